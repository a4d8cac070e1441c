import OperatorCore
import PrometheusClient

/// When the TiKV invariants fire. Every field is optional in `operator.yaml` (`subjects.tikv`); absent
/// fields take the defaults below, which follow the official alert rules where one exists
/// (tikv-interfaces.md §2.3).
public struct TiKVThresholds: Sendable, Hashable, Codable {
    /// `store-low-space`: available / capacity below this (TiKV_low_space: 0.2).
    public var lowSpaceRatio = 0.2
    /// `latency-high`: a store's gRPC p99 (all types but kv_gc) above this many seconds.
    public var latencyP99Seconds = 0.25
    /// `slow-store`: PD's slow_score at or above this (PD's slowStoreThreshold: 80).
    public var slowScore = 80.0
    /// `raft-lag`: p99 of tikv_raftstore_log_lag above this many entries (TiKV_raft_log_lag: 5000).
    public var raftLogLagEntries = 5000.0
    /// `leader-imbalance`: a serving store's leader count differs from the mean by more than this share.
    public var leaderImbalanceRatio = 0.3
    /// `leader-imbalance` is not judged while the mean is below this many leaders per store (small clusters
    /// are lumpy by nature).
    public var leaderImbalanceMinLeaders = 10.0
    /// `replication-degraded`: miss/down/pending/offline-peer regions at or above this count.
    public var replicationDegradedMinRegions = 1
    /// `cpu-high`: CPU used / tikv_server_cpu_cores_quota above this (TiKV_cpu_quota: 0.8).
    public var cpuQuotaRatio = 0.8
    /// `region-count-high`: regions on one store above this (TiDB's inspection rule: 20000). A Double read as
    /// a whole number, like `raft_log_lag_entries`, so a fractional or huge value is an error naming the key.
    public var regionCountMax = 20_000.0

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case lowSpaceRatio = "low_space_ratio"
        case latencyP99Seconds = "latency_p99_seconds"
        case slowScore = "slow_score"
        case raftLogLagEntries = "raft_log_lag_entries"
        case leaderImbalanceRatio = "leader_imbalance_ratio"
        case leaderImbalanceMinLeaders = "leader_imbalance_min_leaders"
        case replicationDegradedMinRegions = "replication_degraded_min_regions"
        case cpuQuotaRatio = "cpu_quota_ratio"
        case regionCountMax = "region_count_max"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TiKVThresholds.defaults
        lowSpaceRatio = try c.decodeIfPresent(Double.self, forKey: .lowSpaceRatio) ?? d.lowSpaceRatio
        latencyP99Seconds = try c.decodeIfPresent(Double.self, forKey: .latencyP99Seconds) ?? d.latencyP99Seconds
        slowScore = try c.decodeIfPresent(Double.self, forKey: .slowScore) ?? d.slowScore
        raftLogLagEntries = try c.decodeIfPresent(Double.self, forKey: .raftLogLagEntries) ?? d.raftLogLagEntries
        leaderImbalanceRatio = try c.decodeIfPresent(Double.self, forKey: .leaderImbalanceRatio) ?? d.leaderImbalanceRatio
        leaderImbalanceMinLeaders =
            try c.decodeIfPresent(Double.self, forKey: .leaderImbalanceMinLeaders) ?? d.leaderImbalanceMinLeaders
        replicationDegradedMinRegions =
            try c.decodeIfPresent(Int.self, forKey: .replicationDegradedMinRegions) ?? d.replicationDegradedMinRegions
        cpuQuotaRatio = try c.decodeIfPresent(Double.self, forKey: .cpuQuotaRatio) ?? d.cpuQuotaRatio
        regionCountMax = try c.decodeIfPresent(Double.self, forKey: .regionCountMax) ?? d.regionCountMax
    }

    public static let defaults = TiKVThresholds()

    /// Out-of-range values, as messages naming the key.
    func problems() -> [String] {
        var out: [String] = []
        func ratio(_ v: Double, _ key: CodingKeys) {
            if !(v > 0 && v <= 1) { out.append("\(key.rawValue) must be greater than 0 and at most 1, got \(v)") }
        }
        func positive(_ v: Double, _ key: CodingKeys) {
            if !(v > 0 && v.isFinite) { out.append("\(key.rawValue) must be a positive number, got \(v)") }
        }
        ratio(lowSpaceRatio, .lowSpaceRatio)
        positive(latencyP99Seconds, .latencyP99Seconds)
        positive(slowScore, .slowScore)
        positive(raftLogLagEntries, .raftLogLagEntries)
        positive(leaderImbalanceRatio, .leaderImbalanceRatio)
        if !(leaderImbalanceMinLeaders >= 0) {
            out.append("leader_imbalance_min_leaders must be 0 or more, got \(leaderImbalanceMinLeaders)")
        }
        if replicationDegradedMinRegions < 1 {
            out.append("replication_degraded_min_regions must be at least 1, got \(replicationDegradedMinRegions)")
        }
        positive(cpuQuotaRatio, .cpuQuotaRatio)
        if !(regionCountMax >= 1 && regionCountMax <= 1e9 && regionCountMax == regionCountMax.rounded()) {
            out.append("region_count_max must be a whole number from 1 to 1000000000, got \(NumberText.decimal(regionCountMax))")
        }
        return out
    }
}

/// How the subject gathers data (same `subjects.tikv` section as the thresholds).
public struct TiKVCollectionSettings: Sendable, Hashable, Codable {
    /// PromQL range for rates and quantiles when Prometheus is used.
    public var prometheusRateWindow = "1m"
    /// Without Prometheus: pause between the two scrapes of a store seen for the first time ("0s" = none,
    /// then the first tick has gauges only).
    public var directScrapeWarmup = "1s"
    /// Ask each store's status server `/status` on every tick when Prometheus is used (direct scraping
    /// learns reachability from `/metrics` anyway).
    public var probeStatusEndpoints = true

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case prometheusRateWindow = "prometheus_rate_window"
        case directScrapeWarmup = "direct_scrape_warmup"
        case probeStatusEndpoints = "probe_status_endpoints"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        prometheusRateWindow = try c.decodeIfPresent(String.self, forKey: .prometheusRateWindow) ?? "1m"
        directScrapeWarmup = try c.decodeIfPresent(String.self, forKey: .directScrapeWarmup) ?? "1s"
        probeStatusEndpoints = try c.decodeIfPresent(Bool.self, forKey: .probeStatusEndpoints) ?? true
    }

    var warmup: Duration { (try? DurationText.duration(directScrapeWarmup)) ?? .seconds(1) }

    func problems() -> [String] {
        var out: [String] = []
        if let s = try? DurationText.seconds(prometheusRateWindow) {
            // PromQL ranges are whole units; a sub-second or fractional window is rejected by Prometheus.
            if s < 1 || !prometheusRateWindow.allSatisfy({ $0.isNumber || "smh".contains($0) }) {
                out.append("prometheus_rate_window must be a PromQL duration such as 30s, 1m or 5m, got \"\(prometheusRateWindow)\"")
            }
        } else {
            out.append("prometheus_rate_window must be a PromQL duration such as 30s, 1m or 5m, got \"\(prometheusRateWindow)\"")
        }
        // `duration`, not `seconds`: a warm-up too long for a Duration is an error here, not a silent 1s later.
        if (try? DurationText.duration(directScrapeWarmup)).map({ $0 >= .zero }) != true {
            out.append("direct_scrape_warmup must be a duration such as 1s or 500ms, got \"\(directScrapeWarmup)\"")
        }
        return out
    }
}

/// The `subjects.tikv` section of `operator.yaml`, read strictly: unknown keys and bad values are errors
/// that name the key, so a typo does not silently fall back to a default.
public struct TiKVSettings: Sendable, Hashable {
    public var thresholds = TiKVThresholds()
    public var collection = TiKVCollectionSettings()

    public init(thresholds: TiKVThresholds = .init(), collection: TiKVCollectionSettings = .init()) {
        self.thresholds = thresholds
        self.collection = collection
    }

    public static var knownKeys: [String] {
        TiKVThresholds.CodingKeys.allCases.map(\.rawValue) + TiKVCollectionSettings.CodingKeys.allCases.map(\.rawValue)
    }

    public init(settings: JSONValue) throws(TiKVSettingsError) {
        if settings == .null { return }
        guard let object = settings.objectValue else {
            throw TiKVSettingsError(problems: ["the section must be a mapping of settings, got \(settings.jsonText)"])
        }
        let known = Set(Self.knownKeys)
        var problems = object.keys.sorted().filter { !known.contains($0) }.map {
            "unknown setting \"\($0)\" (known: \(Self.knownKeys.joined(separator: ", ")))"
        }
        do {
            thresholds = try settings.decode(TiKVThresholds.self)
            collection = try settings.decode(TiKVCollectionSettings.self)
        } catch let error as DecodingError {
            let (field, reason) = DecodingErrorText.describe(error)
            problems.append("\(field): \(reason)")
        } catch {
            problems.append("\(error)")
        }
        problems += thresholds.problems() + collection.problems()
        if !problems.isEmpty { throw TiKVSettingsError(problems: problems) }
    }
}

public struct TiKVSettingsError: Error, CustomStringConvertible {
    public let problems: [String]
    public var description: String {
        "invalid subjects.tikv settings in operator.yaml: " + problems.joined(separator: "; ")
    }
}
