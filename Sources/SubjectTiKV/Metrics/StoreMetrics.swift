import OperatorCore

/// What a store's metrics say, from Prometheus or from scraping its status server directly. Both paths fill
/// this same struct; a value is `nil` when its series is missing or undefined (no traffic in the window).
public struct StoreMetrics: Sendable, Hashable, Codable {
    /// gRPC messages per second, all types but `kv_gc`.
    public var qps: Double?
    public var qpsByType: [String: Double] = [:]
    /// p99 of `tikv_grpc_msg_duration_seconds` over the window, all types but `kv_gc`.
    public var p99LatencySeconds: Double?
    public var grpcFailuresPerSecond: Double?
    /// `tikv_store_size_bytes{type=capacity|available|used}`.
    public var capacityBytes: Double?
    public var availableBytes: Double?
    public var usedBytes: Double?
    /// Cores used by the process (rate of `process_cpu_seconds_total`).
    public var cpuCores: Double?
    /// `tikv_server_cpu_cores_quota`: the cores TiKV may use.
    public var cpuQuotaCores: Double?
    /// Cores used by raftstore threads.
    public var raftstoreCPUCores: Double?
    /// p99 of `tikv_raftstore_log_lag` (entries a follower is behind its leader).
    public var raftLogLagP99: Double?
    public var appendLogP99Seconds: Double?
    public var commitLogP99Seconds: Double?
    public var applyLogP99Seconds: Double?
    /// p99 of `tikv_raftstore_request_wait_time_duration_secs`: how long proposals wait for raftstore.
    public var proposeWaitP99Seconds: Double?
    /// `tikv_raftstore_region_count{type=leader|region}`.
    public var leaderCount: Double?
    public var regionCount: Double?
    /// max of `tikv_raftstore_slow_score` over its types (1 healthy … 100).
    public var slowScore: Double?
    /// p99 of RocksDB write stalls in seconds, the worst db (`tikv_engine_write_stall{type="write_stall_percentile99"}`
    /// is in microseconds); 0 while nothing stalls. `nil` when the page or Prometheus lacks the series.
    public var writeStallP99Seconds: Double?
    /// The stall cause with the highest count (`tikv_engine_write_stall_reason{type}`), while one is non-zero.
    public var writeStallReason: String?
    /// Writes the scheduler rejected as ServerIsBusy per second (`tikv_scheduler_too_busy_total`).
    public var schedulerBusyPerSecond: Double?
    /// The count behind `writeStallReason`, to compare causes while reading (not encoded).
    var stallReasonCount: Double?
    /// `process_start_time_seconds`: when the running tikv-server started (unix seconds); it moves on every restart.
    public var processStartTimeSeconds: Double?
    /// `tikv_raftstore_snapshot_traffic_total{type="applying"}`: snapshots the store is applying now.
    public var snapshotsApplying: Double?
    /// Seconds the rates and quantiles cover.
    public var windowSeconds: Double?
    /// Values the page or Prometheus gave that cannot be what they claim (a negative byte count): each
    /// names its series and value; the field it would have filled stays `nil`.
    public var malformed: [String] = []

    public init() {}

    /// Share of the CPU quota in use (`TiKV_cpu_quota` alert: > 0.8).
    public var cpuQuotaRatio: Double? {
        guard let used = cpuCores, let quota = cpuQuotaCores, quota > 0 else { return nil }
        return used / quota
    }

    /// `available / capacity`, or `nil` without both (or with a zero capacity).
    public var availableRatio: Double? {
        guard let a = availableBytes, let c = capacityBytes, c > 0 else { return nil }
        return a / c
    }

    enum CodingKeys: String, CodingKey {
        case qps
        case qpsByType = "qps_by_type"
        case p99LatencySeconds = "p99_latency_seconds"
        case grpcFailuresPerSecond = "grpc_failures_per_second"
        case capacityBytes = "capacity_bytes"
        case availableBytes = "available_bytes"
        case usedBytes = "used_bytes"
        case cpuCores = "cpu_cores"
        case cpuQuotaCores = "cpu_quota_cores"
        case raftstoreCPUCores = "raftstore_cpu_cores"
        case raftLogLagP99 = "raft_log_lag_p99"
        case appendLogP99Seconds = "append_log_p99_seconds"
        case commitLogP99Seconds = "commit_log_p99_seconds"
        case applyLogP99Seconds = "apply_log_p99_seconds"
        case proposeWaitP99Seconds = "propose_wait_p99_seconds"
        case leaderCount = "leader_count"
        case regionCount = "region_count"
        case slowScore = "slow_score"
        case writeStallP99Seconds = "write_stall_p99_seconds"
        case writeStallReason = "write_stall_reason"
        case schedulerBusyPerSecond = "scheduler_busy_per_second"
        case processStartTimeSeconds = "process_start_time_seconds"
        case snapshotsApplying = "snapshots_applying"
        case windowSeconds = "window_seconds"
        case malformed
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        qps = try c.decodeIfPresent(Double.self, forKey: .qps)
        qpsByType = try c.decodeIfPresent([String: Double].self, forKey: .qpsByType) ?? [:]
        p99LatencySeconds = try c.decodeIfPresent(Double.self, forKey: .p99LatencySeconds)
        grpcFailuresPerSecond = try c.decodeIfPresent(Double.self, forKey: .grpcFailuresPerSecond)
        capacityBytes = try c.decodeIfPresent(Double.self, forKey: .capacityBytes)
        availableBytes = try c.decodeIfPresent(Double.self, forKey: .availableBytes)
        usedBytes = try c.decodeIfPresent(Double.self, forKey: .usedBytes)
        cpuCores = try c.decodeIfPresent(Double.self, forKey: .cpuCores)
        cpuQuotaCores = try c.decodeIfPresent(Double.self, forKey: .cpuQuotaCores)
        raftstoreCPUCores = try c.decodeIfPresent(Double.self, forKey: .raftstoreCPUCores)
        raftLogLagP99 = try c.decodeIfPresent(Double.self, forKey: .raftLogLagP99)
        appendLogP99Seconds = try c.decodeIfPresent(Double.self, forKey: .appendLogP99Seconds)
        commitLogP99Seconds = try c.decodeIfPresent(Double.self, forKey: .commitLogP99Seconds)
        applyLogP99Seconds = try c.decodeIfPresent(Double.self, forKey: .applyLogP99Seconds)
        proposeWaitP99Seconds = try c.decodeIfPresent(Double.self, forKey: .proposeWaitP99Seconds)
        leaderCount = try c.decodeIfPresent(Double.self, forKey: .leaderCount)
        regionCount = try c.decodeIfPresent(Double.self, forKey: .regionCount)
        slowScore = try c.decodeIfPresent(Double.self, forKey: .slowScore)
        writeStallP99Seconds = try c.decodeIfPresent(Double.self, forKey: .writeStallP99Seconds)
        writeStallReason = try c.decodeIfPresent(String.self, forKey: .writeStallReason)
        schedulerBusyPerSecond = try c.decodeIfPresent(Double.self, forKey: .schedulerBusyPerSecond)
        processStartTimeSeconds = try c.decodeIfPresent(Double.self, forKey: .processStartTimeSeconds)
        snapshotsApplying = try c.decodeIfPresent(Double.self, forKey: .snapshotsApplying)
        windowSeconds = try c.decodeIfPresent(Double.self, forKey: .windowSeconds)
        malformed = try c.decodeIfPresent([String].self, forKey: .malformed) ?? []
    }

    /// Keeps the stall cause with the highest count (ties: the first by name, so the answer is stable).
    mutating func noteStallReason(_ type: String, _ count: Double) {
        if let current = writeStallReason, let best = stallReasonCount,
            best > count || (best == count && current < type)
        {
            return
        }
        writeStallReason = type
        stallReasonCount = count
    }

    /// A byte count or gauge of things that exist: finite and not negative, or `nil` with a note.
    mutating func nonNegative(_ value: Double?, _ series: String) -> Double? {
        guard let value else { return nil }
        do throws(MalformedValue) {
            return try MalformedValue.nonNegative(value, field: series)
        } catch {
            malformed.append(error.description)
            return nil
        }
    }
}

extension Optional where Wrapped == Double {
    /// `nil` for NaN and infinities: PromQL's "undefined" (no observations) is not a number to compare.
    var finite: Double? {
        guard let v = self, v.isFinite else { return nil }
        return v
    }
}
