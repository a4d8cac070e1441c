import Foundation
import OperatorCore

/// `operator bench clusters --replicas N`' result: one serve watching every cluster (the baseline), then N
/// replicas sharing them by lease: each replica's share, RSS and CPU, tick lateness over all clusters, the
/// ratios to the baseline, and the census of watchers (clusters not watched by exactly one replica: 0).
public struct ReplicasReport: Encodable, Sendable {
    /// One replica's measurements, under its name.
    public struct ReplicaResult: Encodable, Sendable {
        var replica: String
        /// `clusters` is the clusters it ran at the last read.
        var result: ClustersReport.Result

        enum CodingKeys: String, CodingKey { case replica }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(replica, forKey: .replica)
            try result.encode(to: encoder)
        }
    }

    /// A row against the baseline: each value divided by the baseline's.
    public struct Ratio: Encodable, Sendable, Equatable {
        var serve: String
        var rss: Double?
        var cpuPerClusterTick: Double?
        var latenessP99: Double?
        var tickP99: Double?

        enum CodingKeys: String, CodingKey {
            case serve, rss
            case cpuPerClusterTick = "cpu_per_cluster_tick"
            case latenessP99 = "lateness_p99"
            case tickP99 = "tick_p99"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(serve, forKey: .serve)
            try c.encode(rss, forKey: .rss)
            try c.encode(cpuPerClusterTick, forKey: .cpuPerClusterTick)
            try c.encode(latenessP99, forKey: .latenessP99)
            try c.encode(tickP99, forKey: .tickP99)
        }
    }

    var machine: BenchMachine
    var loadAverageBefore: [Double]?
    var loadAverageAfter: [Double]?
    var database: String
    var interval: String
    var leaseDuration: String
    var storesPerCluster: Int
    var regionsPerCluster: Int
    var windowSeconds: Double
    var clusters: Int
    /// One serve alone with every cluster, in the same run.
    var baseline: ClustersReport.Result
    var replicas: [ReplicaResult]
    /// All replicas as one: their CPU and RSS summed, lateness and tick durations over every cluster.
    var together: ClustersReport.Result
    var census: WatcherCensus
    /// From the first replica's start to the settled state (each cluster one watcher, none over its share):
    /// the first takes every lease alone, then gives up what is over its share as the others appear.
    var settleSeconds: Double

    /// The most clusters a replica takes: ceil(clusters / replicas).
    var share: Int { WatcherCensus.share(clusters: clusters, replicas: replicas.count) }

    /// Clusters that at some read were not watched by exactly one replica, the one the lease table names:
    /// a correct run has none.
    public var watcherFaults: Int { census.faults }

    var ratios: [Ratio] {
        func ratio(_ name: String, _ result: ClustersReport.Result) -> Ratio {
            Ratio(
                serve: name, rss: BenchFormat.ratioValue(result.rssMeanBytes.map(Double.init), baseline.rssMeanBytes.map(Double.init)),
                cpuPerClusterTick: BenchFormat.ratioValue(result.cpuPerClusterTickSeconds, baseline.cpuPerClusterTickSeconds),
                latenessP99: BenchFormat.ratioValue(result.lateness.p99, baseline.lateness.p99),
                tickP99: BenchFormat.ratioValue(result.tickDuration.p99, baseline.tickDuration.p99))
        }
        return replicas.map { ratio($0.replica, $0.result) } + [ratio("together", together)]
    }

    enum CodingKeys: String, CodingKey {
        case machine
        case loadAverageBefore = "load_average_before"
        case loadAverageAfter = "load_average_after"
        case database, interval
        case leaseDuration = "lease_duration"
        case storesPerCluster = "stores_per_cluster"
        case regionsPerCluster = "regions_per_cluster"
        case windowSeconds = "window_seconds"
        case clusters
        case replicaCount = "replica_count"
        case share = "share"
        case baseline, replicas, together, ratios
        case samples
        case clustersUnwatched = "clusters_unwatched"
        case clustersWatchedTwice = "clusters_watched_twice"
        case clustersLeaseDisagreement = "clusters_lease_disagreement"
        case watcherFaults = "watcher_faults"
        case settleSeconds = "settle_seconds"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(machine, forKey: .machine)
        try c.encode(loadAverageBefore, forKey: .loadAverageBefore)
        try c.encode(loadAverageAfter, forKey: .loadAverageAfter)
        try c.encode(database, forKey: .database)
        try c.encode(interval, forKey: .interval)
        try c.encode(leaseDuration, forKey: .leaseDuration)
        try c.encode(storesPerCluster, forKey: .storesPerCluster)
        try c.encode(regionsPerCluster, forKey: .regionsPerCluster)
        try c.encode(windowSeconds, forKey: .windowSeconds)
        try c.encode(clusters, forKey: .clusters)
        try c.encode(replicas.count, forKey: .replicaCount)
        try c.encode(share, forKey: .share)
        try c.encode(baseline, forKey: .baseline)
        try c.encode(replicas, forKey: .replicas)
        try c.encode(together, forKey: .together)
        try c.encode(ratios, forKey: .ratios)
        try c.encode(census.samples, forKey: .samples)
        try c.encode(census.unwatched.count, forKey: .clustersUnwatched)
        try c.encode(census.watchedTwice.count, forKey: .clustersWatchedTwice)
        try c.encode(census.leaseDisagreements.count, forKey: .clustersLeaseDisagreement)
        try c.encode(watcherFaults, forKey: .watcherFaults)
        try c.encode(settleSeconds, forKey: .settleSeconds)
    }

    public var table: BenchTable {
        let ratioByServe = Dictionary(ratios.map { ($0.serve, $0) }, uniquingKeysWith: { first, _ in first })
        func row(_ name: String, _ result: ClustersReport.Result, _ ratio: Ratio?) -> [String] {
            [
                name, "\(result.clusters)", BenchFormat.grouped(result.ticks), BenchFormat.byteCount(result.rssMeanBytes),
                ClustersReport.ratioText(ratio?.rss), BenchFormat.duration(result.cpuPerClusterTickSeconds),
                ClustersReport.ratioText(ratio?.cpuPerClusterTick),
                result.cpuCoreShare.map { BenchFormat.number($0 * 100, digits: 1) + " %" } ?? "-",
                BenchFormat.duration(result.lateness.p50), BenchFormat.duration(result.lateness.p99), ClustersReport.ratioText(ratio?.latenessP99),
                BenchFormat.duration(result.lateness.max), BenchFormat.duration(result.tickDuration.p50),
                BenchFormat.duration(result.tickDuration.p99), ClustersReport.ratioText(ratio?.tickP99), "\(result.unhealthyTicks)",
            ]
        }
        let baselineRatio = Ratio(serve: "baseline", rss: 1, cpuPerClusterTick: 1, latenessP99: 1, tickP99: 1)
        var rows = [row("1 serve alone (baseline)", baseline, baselineRatio)]
        rows += replicas.map { row($0.replica, $0.result, ratioByServe[$0.replica]) }
        rows.append(row("\(replicas.count) replicas together", together, ratioByServe["together"]))
        let load = { (values: [Double]?) in values.map { $0.map { BenchFormat.number($0, digits: 2) }.joined(separator: " / ") } ?? "-" }
        return BenchTable(
            title: "\(replicas.count) operator serve replicas sharing \(clusters) clusters by lease against one serve watching them all (\(storesPerCluster) stores each, every \(interval))",
            columns: [
                "serve", "clusters held", "ticks", "RSS", "vs baseline", "CPU / cluster-tick", "vs baseline", "CPU (1 core = 100 %)",
                "lateness p50", "lateness p99", "vs baseline", "lateness max", "tick p50", "tick p99", "vs baseline", "unhealthy ticks",
            ],
            rows: rows,
            notes: [
                "\(machine.markdown) Load average (1/5/15 min) before: \(load(loadAverageBefore)); after: \(load(loadAverageAfter)).",
                "watchers: \(census.unwatched.count) cluster(s) with no replica watching, \(census.watchedTwice.count) watched by two or more, \(census.leaseDisagreements.count) run by a replica the lease table did not name, over \(census.samples) reads of every replica from the settled state to the window's end (must all be 0); settled \(BenchFormat.number(settleSeconds, digits: 1)) s after the first replica started"
                    + (watcherFaults > 0 ? ": THE REPLICAS DID NOT SHARE CORRECTLY" : ""),
                "baseline: one `operator serve` (child process, no diagnoser) watching all \(clusters) clusters; then \(replicas.count) replicas (`--replica-name bench-replica-K`, `--lease-duration \(leaseDuration)`), the same config, each on its own port, all on \(database); simulated TiKV clusters (3 PD + \(storesPerCluster) stores, \(regionsPerCluster) regions each) embedded in the benchmark's process, which shares the cores; each measured over \(BenchFormat.number(windowSeconds, digits: 0)) s after every cluster had one watcher, at most \(share) per replica, every watched monitor ticked, and a warm-up",
                "RSS: mean of /proc samples in the window (together: the replicas' sum); CPU: utime + stime (/proc/<pid>/stat) over the window divided by the ticks started in it (together: summed over the replicas), which includes answering the benchmark's reads (every replica answers /healthz and the whole /api/v1/clusters every ≤ 1 s, the baseline only the list)",
                "lateness and tick p50/p99 as in the single-serve table, over the clusters each replica ran (together: every cluster); `vs baseline` is the ratio to the first row",
            ])
    }
}
