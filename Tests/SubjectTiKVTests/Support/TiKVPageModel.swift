import Foundation

/// Generates a TiKV status server `/metrics` page (names and label layout of tikv-interfaces.md §2.1) whose
/// counters grow linearly with time, so rates and p99s have known exact values.
struct TiKVPageModel: Sendable {
    /// gRPC messages per second by type; `kv_gc` is excluded from QPS and latency.
    var qpsByType: [String: Double] = ["kv_get": 200, "kv_prewrite": 40, "kv_commit": 40, "kv_gc": 5]
    /// Share of observations per bucket index of `tikv_grpc_msg_duration_seconds` (bounds 50µs·2^k, 22 buckets).
    var grpcBuckets: [Int: Double] = [3: 0.5, 5: 0.48, 9: 0.02]
    var capacityBytes: Double = 107_374_182_400
    var availableBytes: Double = 64_424_509_440
    var usedBytes: Double = 42_949_672_960
    var cpuCores: Double = 0.75
    var raftstoreCores: Double = 0.25
    var cpuQuota: Double = 4
    var leaders = 17
    var regions = 60
    var slowScore: Double = 1
    /// `tikv_engine_write_stall{db="kv",type="write_stall_percentile99"}` in µs (0: nothing stalls).
    var writeStallMicros: Double = 0
    /// Raft log lag observations per second and the bucket index they fall in (bounds 2,4,…,1024,5120,10240).
    var lagObservationsPerSecond: Double = 5
    var lagBuckets: [Int: Double] = [0: 0.9, 2: 0.1]
    /// Share per bucket index of append/commit/apply durations (bounds 10µs·2^k, 32 buckets).
    var appendBuckets: [Int: Double] = [5: 0.98, 7: 0.02]
    var commitBuckets: [Int: Double] = [7: 0.98, 9: 0.02]
    var applyBuckets: [Int: Double] = [4: 0.98, 6: 0.02]
    var raftOpsPerSecond: Double = 80
    /// Counter values at elapsed = 0, so the process looks like it has been running.
    var baseSeconds: Double = 3600

    static let grpcBounds = (0..<22).map { 0.00005 * pow(2, Double($0)) }
    static let lagBounds: [Double] = [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 5120, 10240]
    static let durationBounds = (0..<32).map { 0.00001 * pow(2, Double($0)) }

    /// p99 of a bucket distribution by Prometheus's interpolation (ranks fall strictly inside a bucket here).
    static func expectedP99(_ shares: [Int: Double], bounds: [Double]) -> Double {
        var cumulative = 0.0
        for k in shares.keys.sorted() {
            let share = shares[k] ?? 0
            if cumulative + share >= 0.99 {
                let lower = k == 0 ? 0 : bounds[k - 1]
                return lower + (bounds[k] - lower) * (0.99 - cumulative) / share
            }
            cumulative += share
        }
        return bounds[bounds.count - 1]
    }

    var expectedQPS: Double { qpsByType.filter { $0.key != "kv_gc" }.values.reduce(0, +) }

    /// The page `elapsed` seconds after the model's start. With `stampedAt`, every sample carries that time
    /// as its exposition timestamp, so a scraper that honours timestamps (Prometheus does by default) rates
    /// the counters against the time they were computed rather than when its scrape started: on a loaded
    /// test machine the response can leave seconds after the scrape began, which skews a 5 s rate() by tens
    /// of percent though the model is exact.
    func page(elapsed: Double, stampedAt: Date? = nil) -> String {
        let t = baseSeconds + elapsed
        var out: [String] = []
        func histogram(_ name: String, labels: String, bounds: [Double], shares: [Int: Double], perSecond: Double) {
            let total = perSecond * t
            var cumulative = 0.0
            let sep = labels.isEmpty ? "" : ","
            for (k, bound) in bounds.enumerated() {
                cumulative += (shares[k] ?? 0) * total
                out.append("\(name)_bucket{\(labels)\(sep)le=\"\(bound)\"} \(cumulative)")
            }
            out.append("\(name)_bucket{\(labels)\(sep)le=\"+Inf\"} \(total)")
            let braces = labels.isEmpty ? "" : "{\(labels)}"
            out.append("\(name)_sum\(braces) \(total * 0.002)")
            out.append("\(name)_count\(braces) \(total)")
        }
        out.append("# HELP tikv_grpc_msg_duration_seconds Bucketed histogram of grpc server messages")
        out.append("# TYPE tikv_grpc_msg_duration_seconds histogram")
        for type in qpsByType.keys.sorted() {
            histogram("tikv_grpc_msg_duration_seconds", labels: "type=\"\(type)\",priority=\"medium\"",
                bounds: Self.grpcBounds, shares: grpcBuckets, perSecond: qpsByType[type] ?? 0)
        }
        out.append("# TYPE tikv_store_size_bytes gauge")
        out.append("tikv_store_size_bytes{type=\"capacity\"} \(capacityBytes)")
        out.append("tikv_store_size_bytes{type=\"available\"} \(availableBytes)")
        out.append("tikv_store_size_bytes{type=\"used\"} \(usedBytes)")
        out.append("tikv_store_size_bytes{type=\"snap_size\"} 0")
        out.append("# TYPE process_cpu_seconds_total counter")
        out.append("process_cpu_seconds_total \(cpuCores * t)")
        out.append("# TYPE tikv_thread_cpu_seconds_total gauge")
        out.append("tikv_thread_cpu_seconds_total{name=\"raftstore_1_0\",tid=\"101\"} \(raftstoreCores * 0.6 * t)")
        out.append("tikv_thread_cpu_seconds_total{name=\"raftstore_1_1\",tid=\"102\"} \(raftstoreCores * 0.4 * t)")
        out.append("tikv_thread_cpu_seconds_total{name=\"grpc_server_0\",tid=\"131\"} \(0.2 * t)")
        out.append("# TYPE tikv_server_cpu_cores_quota gauge")
        out.append("tikv_server_cpu_cores_quota \(cpuQuota)")
        out.append("# TYPE tikv_raftstore_region_count gauge")
        out.append("tikv_raftstore_region_count{type=\"leader\"} \(leaders)")
        out.append("tikv_raftstore_region_count{type=\"region\"} \(regions)")
        out.append("tikv_raftstore_region_count{type=\"buckets\"} 0")
        out.append("# TYPE tikv_raftstore_slow_score gauge")
        out.append("tikv_raftstore_slow_score{type=\"raft\"} \(slowScore)")
        out.append("tikv_raftstore_slow_score{type=\"kvdb\"} 1")
        out.append("# TYPE tikv_engine_write_stall gauge")
        out.append("tikv_engine_write_stall{db=\"kv\",type=\"write_stall_percentile99\"} \(writeStallMicros)")
        out.append("tikv_engine_write_stall{db=\"raft\",type=\"write_stall_percentile99\"} 0")
        out.append("# TYPE tikv_raftstore_log_lag histogram")
        histogram("tikv_raftstore_log_lag", labels: "", bounds: Self.lagBounds, shares: lagBuckets,
            perSecond: lagObservationsPerSecond)
        for (name, shares) in [
            ("tikv_raftstore_append_log_duration_seconds", appendBuckets),
            ("tikv_raftstore_commit_log_duration_seconds", commitBuckets),
            ("tikv_raftstore_apply_log_duration_seconds", applyBuckets),
        ] {
            out.append("# TYPE \(name) histogram")
            histogram(name, labels: "", bounds: Self.durationBounds, shares: shares, perSecond: raftOpsPerSecond)
        }
        out.append("# TYPE tikv_grpc_msg_fail_total counter")
        out.append("tikv_grpc_msg_fail_total{type=\"kv_prewrite\"} \(0.5 * t)")
        if let stampedAt {
            let milliseconds = Int64((stampedAt.timeIntervalSince1970 * 1000).rounded())
            out = out.map { $0.hasPrefix("#") ? $0 : "\($0) \(milliseconds)" }
        }
        return out.joined(separator: "\n") + "\n"
    }
}
