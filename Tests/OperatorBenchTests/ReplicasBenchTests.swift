import Foundation
import OperatorCore
import Testing

@testable import OperatorBench

/// `bench clusters --replicas`' pieces: the census of watchers, the settled test, the answers it reads and
/// the report's shape. The whole run is `EndToEnd`'s `replicasShareTheClustersAgainstOneServe`.
@Suite("bench clusters --replicas")
struct ReplicasBenchTests {
    static let clusters = (1...6).map { "bench-\($0)" }

    static func sample(_ running: [String: [String]], holders: [String: String]? = nil) -> WatcherCensus.Sample {
        var table: [String: String] = [:]
        for (replica, clusters) in running { for cluster in clusters { table[cluster] = replica } }
        return WatcherCensus.Sample(running: running.mapValues(Set.init), holders: holders ?? table)
    }

    @Test func settledMeansOneWatcherPerClusterAtMostItsShareEach() {
        let even = Self.sample(["r1": ["bench-1", "bench-2"], "r2": ["bench-3", "bench-4"], "r3": ["bench-5", "bench-6"]])
        #expect(WatcherCensus.isSpread(even, clusters: Self.clusters, replicas: 3))
        // The first replica took everything before the others came up: not settled.
        let first = Self.sample(["r1": Self.clusters, "r2": [], "r3": []])
        #expect(!WatcherCensus.isSpread(first, clusters: Self.clusters, replicas: 3))
        // One over its share (3 of ceil(6/3) = 2), every cluster still watched once.
        let uneven = Self.sample(["r1": ["bench-1", "bench-2", "bench-3"], "r2": ["bench-4", "bench-5"], "r3": ["bench-6"]])
        #expect(!WatcherCensus.isSpread(uneven, clusters: Self.clusters, replicas: 3))
        // A replica not heard from.
        let missing = Self.sample(["r1": ["bench-1", "bench-2", "bench-3"], "r2": ["bench-4", "bench-5", "bench-6"]])
        #expect(!WatcherCensus.isSpread(missing, clusters: Self.clusters, replicas: 3))
        #expect(WatcherCensus.isSpread(missing, clusters: Self.clusters, replicas: 2))
        // The lease table names nobody for a running cluster.
        var stale = even
        stale.holders["bench-6"] = nil
        #expect(!WatcherCensus.isSpread(stale, clusters: Self.clusters, replicas: 3))
        #expect(WatcherCensus.share(clusters: 100, replicas: 3) == 34)
        #expect(WatcherCensus.share(clusters: 6, replicas: 3) == 2)
    }

    @Test func theCensusCountsEachClusterThatWentWrongOnce() {
        var census = WatcherCensus()
        let even = Self.sample(["r1": ["bench-1", "bench-2"], "r2": ["bench-3", "bench-4"], "r3": ["bench-5", "bench-6"]])
        census.record(even, clusters: Self.clusters)
        #expect(census.faults == 0 && census.samples == 1)
        // bench-1 on two replicas, bench-3 on none, bench-5 run by r3 while the table names r1.
        var wrong = Self.sample(["r1": ["bench-1", "bench-2"], "r2": ["bench-1", "bench-4"], "r3": ["bench-5", "bench-6"]])
        wrong.holders["bench-5"] = "r1"
        census.record(wrong, clusters: Self.clusters)
        census.record(wrong, clusters: Self.clusters)
        #expect(census.samples == 3)
        #expect(census.watchedTwice == ["bench-1"])
        #expect(census.unwatched == ["bench-3"])
        #expect(census.leaseDisagreements == ["bench-5"])
        #expect(census.faults == 3, "three clusters, however many reads saw them wrong")
    }

    @Test func readsHealthzAndTheLeaseTableAsServeWritesThem() throws {
        // `/healthz` and `/api/v1/clusters` in the keys `StatusBody` and `ClusterView` write.
        let health = Data(#"{"status":"ok","clusters":["bench-1","bench-2","bench-3"],"replica":"bench-replica-2","watching":["bench-2"]}"#.utf8)
        let read = try WatcherCensus.watching(from: health)
        #expect(read.replica == "bench-replica-2" && read.clusters == ["bench-2"])
        let list = Data(
            #"""
            [{"name":"bench-1","subject":"tikv","state":"pending","ticks":0,"last_tick_at":null,"watched_by":{"replica":"bench-replica-1","expires_at":"2026-11-28T03:00:15.000Z"}},
             {"name":"bench-2","subject":"tikv","state":"healthy","ticks":3,"last_tick_at":"2026-11-28T03:00:10.000Z","last_tick_duration_ms":20,"watched_by":{"replica":"bench-replica-2","expires_at":"2026-11-28T03:00:15.000Z"}},
             {"name":"bench-3","subject":"tikv","state":"pending","ticks":0,"last_tick_at":null,"watched_by":null}]
            """#.utf8)
        #expect(try WatcherCensus.holders(from: list) == ["bench-1": "bench-replica-1", "bench-2": "bench-replica-2"])
        #expect(try ClusterTickLog.samples(from: list).map(\.cluster) == ["bench-2"], "only the clusters this replica ticked")
        #expect(throws: BenchmarkError.self) { try WatcherCensus.watching(from: Data(#"{"error":"token required"}"#.utf8)) }
        #expect(throws: BenchmarkError.self) { try WatcherCensus.holders(from: health) }
    }

    static func report(census: WatcherCensus) -> ReplicasReport {
        typealias Bench = ClustersBenchTests
        return ReplicasReport(
            machine: BenchMachine.current(), loadAverageBefore: [1, 2, 3], loadAverageAfter: [1, 1, 1],
            database: ClustersReport.describe(database: nil, shared: true), interval: "5s", leaseDuration: "15s",
            storesPerCluster: 3, regionsPerCluster: 30, windowSeconds: 60, clusters: 6,
            baseline: Bench.result(clusters: 6, ticks: 72, cpu: 1.44, rss: 60_000_000, lateness: [0.010, 0.020]),
            replicas: [
                .init(replica: "bench-replica-1", result: Bench.result(clusters: 2, ticks: 24, cpu: 0.72, rss: 45_000_000, lateness: [0.001, 0.004])),
                .init(replica: "bench-replica-2", result: Bench.result(clusters: 2, ticks: 24, cpu: 0.48, rss: 45_000_000, lateness: [0.002])),
                .init(replica: "bench-replica-3", result: Bench.result(clusters: 2, ticks: 24, cpu: nil, rss: 45_000_000, lateness: [])),
            ],
            together: Bench.result(clusters: 6, ticks: 72, cpu: 2.16, rss: 135_000_000, lateness: [0.001, 0.004, 0.002]),
            census: census, settleSeconds: 12.5)
    }

    @Test func theReportComparesEachReplicaAndAllTogetherWithTheBaseline() throws {
        let report = Self.report(census: WatcherCensus())
        #expect(report.watcherFaults == 0)
        let ratios = report.ratios
        #expect(ratios.map(\.serve) == ["bench-replica-1", "bench-replica-2", "bench-replica-3", "together"])
        #expect(abs((ratios[0].cpuPerClusterTick ?? 0) - 1.5) < 1e-9, "0.03 s against 0.02 s per cluster-tick")
        #expect(abs((ratios[3].rss ?? 0) - 2.25) < 1e-9, "135 MB together against 60 MB alone")
        #expect(ratios[2].cpuPerClusterTick == nil, "nothing measured is no ratio")

        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder.operatorEncoder.encode(report)) as? [String: Any])
        #expect(json["replica_count"] as? Int == 3)
        #expect(json["share"] as? Int == 2)
        #expect(json["clusters"] as? Int == 6)
        #expect(json["watcher_faults"] as? Int == 0 && json["clusters_watched_twice"] as? Int == 0 && json["clusters_unwatched"] as? Int == 0)
        let replicas = try #require(json["replicas"] as? [[String: Any]])
        #expect(replicas.map { $0["replica"] as? String } == ["bench-replica-1", "bench-replica-2", "bench-replica-3"])
        #expect(replicas.allSatisfy { $0["clusters"] as? Int == 2 && $0["cpu_per_cluster_tick_seconds"] != nil }, "a replica's row has the result's keys beside its name")
        #expect((json["baseline"] as? [String: Any])?["clusters"] as? Int == 6)
        #expect((json["together"] as? [String: Any])?["ticks"] as? Int == 72)
        #expect(json["settle_seconds"] as? Double == 12.5)

        let table = report.table
        #expect(table.rows.map(\.first) == ["1 serve alone (baseline)", "bench-replica-1", "bench-replica-2", "bench-replica-3", "3 replicas together"])
        #expect(table.rows.allSatisfy { $0.count == table.columns.count })
        #expect(table.rows[1][6] == "1.50x")
        #expect(table.notes.contains { $0.hasPrefix("watchers: 0 cluster(s) with no replica watching, 0 watched by two or more") })
    }

    @Test func aRunWhereTheReplicasDidNotShareSaysSo() throws {
        var census = WatcherCensus()
        census.record(Self.sample(["bench-replica-1": Self.clusters, "bench-replica-2": ["bench-1"], "bench-replica-3": []]), clusters: Self.clusters)
        let report = Self.report(census: census)
        #expect(report.watcherFaults == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder.operatorEncoder.encode(report)) as? [String: Any])
        #expect(json["clusters_watched_twice"] as? Int == 1)
        #expect(json["watcher_faults"] as? Int == 1)
        #expect(report.table.notes.contains { $0.contains("THE REPLICAS DID NOT SHARE CORRECTLY") })
    }

    @Test func optionsRefuseMoreReplicasThanClusters() {
        var options = ClustersBenchmark.Options()
        options.sizes = [2]
        options.replicas = 3
        #expect(throws: BenchmarkError.self) { try options.validated() }
        options.sizes = [6]
        #expect((try? options.validated())?.replicas == 3)
        options.replicas = 0
        #expect(throws: BenchmarkError.self) { try options.validated() }
    }
}
