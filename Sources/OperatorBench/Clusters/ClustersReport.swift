import Foundation
import OperatorCore

/// `operator bench clusters`' result: per cluster count, serve's memory, CPU per cluster-tick and tick
/// lateness, and their ratios to the smallest count of the same run.
public struct ClustersReport: Encodable, Sendable {
    public struct Result: Encodable, Sendable {
        var clusters: Int
        /// Ticks started in the window, over every cluster.
        var ticks: Int
        /// serve's CPU time (user + system) over the window; nil where /proc cannot say.
        var cpuSeconds: Double?
        /// Mean of the RSS samples taken during the window.
        var rssMeanBytes: Int?
        /// The kernel's high-water mark since serve started (`VmHWM`), start-up included.
        var rssPeakBytes: Int?
        var lateness: LatencySummary
        /// How long the window's ticks took (observe + write): beyond the interval it is lateness.
        var tickDuration: LatencySummary
        /// Ticks in the window whose state was not `healthy` (a simulated cluster is healthy: a tick that
        /// timed out or could not see everything).
        var unhealthyTicks: Int
        /// Ticks missed between two reads of the API (their lateness is unknown).
        var missedTicks: Int
        /// The benchmark process's CPU over the window: the simulated clusters answering serve (and the
        /// benchmark's reads), on the same cores.
        var simulatorsCPUSeconds: Double?
        var windowSeconds: Double

        var cpuPerClusterTickSeconds: Double? {
            guard let cpuSeconds, ticks > 0 else { return nil }
            return cpuSeconds / Double(ticks)
        }

        /// serve's share of one core over the window.
        var cpuCoreShare: Double? {
            guard let cpuSeconds, windowSeconds > 0 else { return nil }
            return cpuSeconds / windowSeconds
        }

        var rssPerClusterBytes: Int? { rssMeanBytes.map { $0 / max(1, clusters) } }

        enum CodingKeys: String, CodingKey {
            case clusters, ticks
            case cpuSeconds = "cpu_seconds"
            case cpuPerClusterTickSeconds = "cpu_per_cluster_tick_seconds"
            case cpuCoreShare = "cpu_core_share"
            case rssMeanBytes = "rss_mean_bytes"
            case rssPeakBytes = "rss_peak_bytes"
            case rssPerClusterBytes = "rss_per_cluster_bytes"
            case lateness
            case tickDuration = "tick_duration"
            case unhealthyTicks = "unhealthy_ticks"
            case missedTicks = "missed_ticks"
            case simulatorsCPUSeconds = "simulators_cpu_seconds"
            case windowSeconds = "window_seconds"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(clusters, forKey: .clusters)
            try c.encode(ticks, forKey: .ticks)
            try c.encode(cpuSeconds, forKey: .cpuSeconds)
            try c.encode(cpuPerClusterTickSeconds, forKey: .cpuPerClusterTickSeconds)
            try c.encode(cpuCoreShare, forKey: .cpuCoreShare)
            try c.encode(rssMeanBytes, forKey: .rssMeanBytes)
            try c.encode(rssPeakBytes, forKey: .rssPeakBytes)
            try c.encode(rssPerClusterBytes, forKey: .rssPerClusterBytes)
            try c.encode(lateness, forKey: .lateness)
            try c.encode(tickDuration, forKey: .tickDuration)
            try c.encode(unhealthyTicks, forKey: .unhealthyTicks)
            try c.encode(missedTicks, forKey: .missedTicks)
            try c.encode(simulatorsCPUSeconds, forKey: .simulatorsCPUSeconds)
            try c.encode(windowSeconds, forKey: .windowSeconds)
        }
    }

    /// One size against the baseline (the smallest size): each value divided by the baseline's.
    public struct Ratio: Encodable, Sendable, Equatable {
        var clusters: Int
        var rss: Double?
        /// What each cluster beyond the baseline's adds: (RSS − baseline RSS) / (clusters − baseline clusters).
        var rssAddedPerClusterBytes: Int?
        var cpuPerClusterTick: Double?
        var latenessP99: Double?

        enum CodingKeys: String, CodingKey {
            case clusters, rss
            case rssAddedPerClusterBytes = "rss_added_per_cluster_bytes"
            case cpuPerClusterTick = "cpu_per_cluster_tick"
            case latenessP99 = "lateness_p99"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(clusters, forKey: .clusters)
            try c.encode(rss, forKey: .rss)
            try c.encode(rssAddedPerClusterBytes, forKey: .rssAddedPerClusterBytes)
            try c.encode(cpuPerClusterTick, forKey: .cpuPerClusterTick)
            try c.encode(latenessP99, forKey: .latenessP99)
        }
    }

    var machine: BenchMachine
    var loadAverageBefore: [Double]?
    var loadAverageAfter: [Double]?
    /// Which store serve wrote to (a URL without its password).
    var database: String
    var interval: String
    var storesPerCluster: Int
    var regionsPerCluster: Int
    var windowSeconds: Double
    var results: [Result]
    /// serve replicas sharing the clusters: one here (alone it holds every lease); `ReplicasReport` is
    /// `--replicas N`.
    var replicas = 1

    var ratios: [Ratio] {
        guard let baseline = results.first else { return [] }
        return results.map { result in
            var added: Int?
            if result.clusters > baseline.clusters, let rss = result.rssMeanBytes, let base = baseline.rssMeanBytes {
                added = (rss - base) / (result.clusters - baseline.clusters)
            }
            return Ratio(
                clusters: result.clusters,
                rss: BenchFormat.ratioValue(result.rssMeanBytes.map(Double.init), baseline.rssMeanBytes.map(Double.init)),
                rssAddedPerClusterBytes: added,
                cpuPerClusterTick: BenchFormat.ratioValue(result.cpuPerClusterTickSeconds, baseline.cpuPerClusterTickSeconds),
                latenessP99: BenchFormat.ratioValue(result.lateness.p99, baseline.lateness.p99))
        }
    }

    /// The store named in the report: SQLite files are named as such; a URL loses its password. `shared`:
    /// the replicas' run, where one fresh file serves every replica.
    static func describe(database: String?, shared: Bool = false) -> String {
        guard let database else {
            return shared ? "SQLite (a fresh file for the baseline, one more shared by every replica)" : "SQLite (a fresh file per size)"
        }
        guard database.contains("://"), var url = URLComponents(string: database) else { return "SQLite \(database)" }
        if url.password != nil { url.password = nil }
        return url.string ?? "(a database URL)"
    }

    enum CodingKeys: String, CodingKey {
        case machine
        case loadAverageBefore = "load_average_before"
        case loadAverageAfter = "load_average_after"
        case database, interval
        case storesPerCluster = "stores_per_cluster"
        case regionsPerCluster = "regions_per_cluster"
        case windowSeconds = "window_seconds"
        case replicas, results, ratios
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(machine, forKey: .machine)
        try c.encode(loadAverageBefore, forKey: .loadAverageBefore)
        try c.encode(loadAverageAfter, forKey: .loadAverageAfter)
        try c.encode(database, forKey: .database)
        try c.encode(interval, forKey: .interval)
        try c.encode(storesPerCluster, forKey: .storesPerCluster)
        try c.encode(regionsPerCluster, forKey: .regionsPerCluster)
        try c.encode(windowSeconds, forKey: .windowSeconds)
        try c.encode(replicas, forKey: .replicas)
        try c.encode(results, forKey: .results)
        try c.encode(ratios, forKey: .ratios)
    }

    public var table: BenchTable {
        let ratioByClusters = Dictionary(ratios.map { ($0.clusters, $0) }, uniquingKeysWith: { first, _ in first })
        let rows = results.map { result -> [String] in
            let ratio = ratioByClusters[result.clusters]
            return [
                "\(result.clusters)", "\(result.clusters * storesPerCluster)", BenchFormat.grouped(result.ticks),
                BenchFormat.byteCount(result.rssMeanBytes), BenchFormat.byteCount(result.rssPerClusterBytes),
                BenchFormat.byteCount(ratio?.rssAddedPerClusterBytes),
                BenchFormat.duration(result.cpuPerClusterTickSeconds), Self.ratioText(ratio?.cpuPerClusterTick),
                result.cpuCoreShare.map { BenchFormat.number($0 * 100, digits: 1) + " %" } ?? "-",
                result.simulatorsCPUSeconds.map { BenchFormat.number($0 / max(result.windowSeconds, 0.001) * 100, digits: 1) + " %" } ?? "-",
                BenchFormat.duration(result.lateness.p50), BenchFormat.duration(result.lateness.p99), Self.ratioText(ratio?.latenessP99),
                BenchFormat.duration(result.lateness.max), BenchFormat.duration(result.tickDuration.p50),
                BenchFormat.duration(result.tickDuration.p99), "\(result.unhealthyTicks)",
            ]
        }
        let load = { (values: [Double]?) in values.map { $0.map { BenchFormat.number($0, digits: 2) }.joined(separator: " / ") } ?? "-" }
        return BenchTable(
            title: "operator serve watching many clusters (\(storesPerCluster) stores each, every \(interval))",
            columns: [
                "clusters", "stores", "ticks", "RSS", "RSS / cluster", "RSS added / cluster", "CPU / cluster-tick", "vs 1st",
                "CPU (1 core = 100 %)", "simulators' CPU", "lateness p50", "lateness p99", "vs 1st", "lateness max", "tick p50", "tick p99", "unhealthy ticks",
            ],
            rows: rows,
            notes: [
                "\(machine.markdown) Load average (1/5/15 min) before: \(load(loadAverageBefore)); after: \(load(loadAverageAfter)).",
                "one `operator serve` (child process, no diagnoser) per row on \(database), watching simulated TiKV clusters (3 PD + \(storesPerCluster) stores, \(regionsPerCluster) regions each; embedded simulators in the benchmark's process, which shares the cores); measured over \(BenchFormat.number(windowSeconds, digits: 0)) s after every monitor ticked and a warm-up",
                "RSS: mean of /proc samples in the window; RSS added / cluster: (RSS − the first row's) / (clusters − its clusters); CPU: serve's utime + stime (/proc/<pid>/stat) over the window divided by the ticks started in it, which includes serving the benchmark's reads of /api/v1/clusters (one every ≤ 1 s); simulators' CPU: the benchmark process hosting the simulated clusters, over the same window",
                "lateness: how much later than one interval after its predecessor each tick started (`last_tick_at` from /api/v1/clusters); `vs 1st` is the ratio to the first row; tick p50/p99: how long the ticks took (`last_tick_duration_ms`), observation of the simulators included: a tick longer than the interval makes the next one late by the difference",
                "one replica (alone it holds every cluster's lease); `--replicas N` measures N replicas sharing the largest count against one serve",
            ])
    }

    static func ratioText(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "-" }
        return String(format: "%.2fx", value)
    }
}
