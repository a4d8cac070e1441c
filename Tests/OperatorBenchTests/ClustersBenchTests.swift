import Foundation
import OperatorCore
import Testing

@testable import OperatorBench

/// `bench clusters`' pieces: serve's CPU read from /proc/<pid>/stat, tick lateness from the API's cluster
/// list, the ratios to the first size and the report's shape. The whole run is `EndToEnd`'s
/// `clustersMeasuresEveryCountAgainstTheFirst`.
@Suite("bench clusters")
struct ClustersBenchTests {
    @Test func readsCPUTimeFromAStatLineWhoseNameHasSpacesAndParentheses() throws {
        // /proc/<pid>/stat as Linux writes it (fields 14 and 15: utime 250, stime 50 clock ticks).
        let line = "4242 (operator (serve) x) S 1 4242 4242 0 -1 4194560 9000 0 3 0 250 50 0 0 20 0 9 0 123456 700000000 9000 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0"
        #expect(ProcessCPU.seconds(statLine: line, ticksPerSecond: 100) == 3.0)
        #expect(ProcessCPU.seconds(statLine: "4242 (short) S 1 2", ticksPerSecond: 100) == nil, "too few fields")
        #expect(ProcessCPU.seconds(statLine: line, ticksPerSecond: 0) == nil)
        // This process, read the same way, has spent some CPU.
        let own = try #require(ProcessCPU.seconds(pid: getpid()))
        #expect(own > 0)
    }

    /// The API's answer, in the keys `GET /api/v1/clusters` writes (`ClusterView`).
    static func answer(_ rows: [(name: String, ticks: Int, at: String?, state: String)]) -> Data {
        let objects: [[String: Any]] = rows.map { row in
            [
                "name": row.name, "subject": "tikv", "state": row.state, "ticks": row.ticks, "last_tick_at": row.at ?? NSNull(),
                "last_tick_duration_ms": 12, "evaluated": ["store-down"], "skipped": [:] as [String: String], "violations": 0,
                "error": NSNull(), "degraded": NSNull(), "open_incidents": 0,
            ]
        }
        return (try? JSONSerialization.data(withJSONObject: objects)) ?? Data()
    }

    @Test func latenessIsEachStartAgainstOneIntervalAfterItsPredecessor() throws {
        var log = ClusterTickLog()
        // Cluster a: ticks 1–4 at 0, 5.0, 10.2, 15.2 s (lateness 0, 0.2, 0); b: ticks 7 and 9 (8 was missed).
        let base = try #require(Timestamp.parse("2026-11-28T00:00:00.000Z"))
        func at(_ seconds: Double) -> String { Timestamp.format(base.addingTimeInterval(seconds)) }
        for read in [
            [("a", 1, at(0), "healthy"), ("b", 0, nil, "pending")],
            [("a", 2, at(5), "healthy"), ("b", 7, at(3), "healthy")],
            [("a", 3, at(10.2), "healthy"), ("b", 7, at(3), "healthy")],
            [("a", 4, at(15.2), "degraded"), ("b", 9, at(13.4), "healthy")],
        ] as [[(String, Int, String?, String)]] {
            log.record(try ClusterTickLog.samples(from: Self.answer(read.map { (name: $0.0, ticks: $0.1, at: $0.2, state: $0.3) })))
        }
        let all = base.addingTimeInterval(-1)...base.addingTimeInterval(60)
        #expect(log.tickCount(in: all) == 6)
        #expect(log.unhealthyCount(in: all) == 1)
        #expect(log.gaps(in: all) == 1, "b's tick 8 was never seen")
        #expect(log.durations(in: all).count == 6 && log.durations(in: all).allSatisfy { $0 == 0.012 }, "last_tick_duration_ms, in seconds")
        let lateness = log.lateness(interval: .seconds(5), in: all).sorted()
        #expect(lateness.count == 3, "a: 2, 3, 4 (b's 9 has no predecessor seen): \(lateness)")
        #expect(abs(lateness[2] - 0.2) < 0.0015 && lateness[0] == 0 && lateness[1] == 0, "\(lateness)")
        // A window counts only the ticks that started in it; the predecessor may lie before it.
        let late = base.addingTimeInterval(9)...base.addingTimeInterval(16)
        #expect(log.tickCount(in: late) == 3, "a's 3 and 4, b's 9")
        #expect(log.lateness(interval: .seconds(5), in: late).count == 2, "a's 3 and 4")
        #expect(throws: BenchmarkError.self) { try ClusterTickLog.samples(from: Data("{\"error\": \"token required\"}".utf8)) }
    }

    static func result(clusters: Int, ticks: Int, cpu: Double?, rss: Int?, lateness: [Double]) -> ClustersReport.Result {
        ClustersReport.Result(
            clusters: clusters, ticks: ticks, cpuSeconds: cpu, rssMeanBytes: rss, rssPeakBytes: rss.map { $0 + 1_000_000 },
            lateness: LatencySummary(seconds: lateness), tickDuration: LatencySummary(seconds: lateness.map { $0 + 0.05 }), unhealthyTicks: 0, missedTicks: 0, simulatorsCPUSeconds: 3, windowSeconds: 60)
    }

    @Test func ratiosAreToTheFirstSizeAndTheReportHasItsShape() throws {
        let report = ClustersReport(
            machine: BenchMachine.current(), loadAverageBefore: [1, 2, 3], loadAverageAfter: nil,
            database: ClustersReport.describe(database: nil), interval: "5s", storesPerCluster: 3, regionsPerCluster: 30,
            windowSeconds: 60,
            results: [
                Self.result(clusters: 1, ticks: 12, cpu: 0.12, rss: 40_000_000, lateness: [0.001, 0.002]),
                Self.result(clusters: 11, ticks: 132, cpu: 2.64, rss: 60_000_000, lateness: [0.004, 0.008]),
                Self.result(clusters: 50, ticks: 0, cpu: nil, rss: nil, lateness: []),
            ])
        let ratios = report.ratios
        #expect(ratios.map(\.clusters) == [1, 11, 50])
        #expect(ratios[0] == ClustersReport.Ratio(clusters: 1, rss: 1, rssAddedPerClusterBytes: nil, cpuPerClusterTick: 1, latenessP99: 1))
        #expect(ratios[1].rssAddedPerClusterBytes == 2_000_000, "(60 MB − 40 MB) / 10 clusters")
        #expect(abs((ratios[1].cpuPerClusterTick ?? 0) - 2) < 1e-9, "0.02 s against 0.01 s per cluster-tick")
        #expect(ratios[2].cpuPerClusterTick == nil && ratios[2].rss == nil, "nothing measured is no ratio")

        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder.operatorEncoder.encode(report)) as? [String: Any])
        #expect(json["replicas"] as? Int == 1)
        #expect(json["database"] as? String == "SQLite (a fresh file per size)")
        let results = try #require(json["results"] as? [[String: Any]])
        #expect(Set(results[1].keys) == [
            "clusters", "ticks", "cpu_seconds", "cpu_per_cluster_tick_seconds", "cpu_core_share", "rss_mean_bytes", "rss_peak_bytes",
            "rss_per_cluster_bytes", "lateness", "tick_duration", "unhealthy_ticks", "missed_ticks", "simulators_cpu_seconds", "window_seconds",
        ])
        #expect(results[1]["rss_per_cluster_bytes"] as? Int == 60_000_000 / 11)
        #expect(results[2]["cpu_per_cluster_tick_seconds"] is NSNull, "absent values are null, not missing")
        let table = report.table
        #expect(table.rows.count == 3 && table.rows.allSatisfy { $0.count == table.columns.count })
        #expect(table.rows[1][7] == "2.00x")
        #expect(table.rows[1][9] == "5.0 %", "3 s of the simulators' CPU in a 60 s window")
        #expect(table.render(markdown: true).hasPrefix("### operator serve watching many clusters"))
    }

    @Test func aDatabaseURLIsReportedWithoutItsPassword() {
        #expect(ClustersReport.describe(database: "postgres://operator:s3cret@db:5432/operator?sslmode=require")
            == "postgres://operator@db:5432/operator?sslmode=require")
        #expect(ClustersReport.describe(database: "/tmp/x.db") == "SQLite /tmp/x.db")
    }

    @Test func optionsRefuseSizesAndWindowsThatMeasureNothing() {
        var options = ClustersBenchmark.Options()
        options.sizes = [0, 10]
        #expect(throws: BenchmarkError.self) { try options.validated() }
        options.sizes = [10, 1, 10]
        #expect((try? options.validated())?.sizes == [1, 10], "sorted, each once: the smallest is the baseline")
        options.duration = .seconds(1)
        #expect(throws: BenchmarkError.self) { try options.validated() }
    }
}
