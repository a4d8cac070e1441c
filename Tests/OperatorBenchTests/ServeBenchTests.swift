import Foundation
import OperatorCore
import Testing

@testable import OperatorBench

/// `bench serve`'s pieces: wrk's report read back, issue 17's targets, the report's JSON and table, the
/// missing-wrk error, and the incident history the benchmark serves (written through the real store).
@Suite("bench serve")
struct ServeBenchTests {
    /// Printed by Debian's wrk 4.1.0 (`wrk -t1 -c4 -d2s --latency`) against a slow local server.
    static let slowServer = """
        Running 2s test @ http://127.0.0.1:33999/
          1 threads and 4 connections
          Thread Stats   Avg      Stdev     Max   +/- Stdev
            Latency   819.47ms  121.66ms 999.94ms   50.00%
            Req/Sec     5.38      3.20     9.00     62.50%
          Latency Distribution
             50%  839.90ms
             75%  964.40ms
             90%  999.94ms
             99%  999.94ms
          8 requests in 2.09s, 2.92MB read
        Requests/sec:      3.82
        Transfer/sec:      1.40MB
        """

    /// wrk's shape for a fast server with errors: microseconds, `k` counts, the socket-error and non-2xx
    /// lines it prints only when they are not zero.
    static let fastWithErrors = """
        Running 10s test @ http://127.0.0.1:40123/api/v1/incidents?limit=50
          2 threads and 8 connections
          Thread Stats   Avg      Stdev     Max   +/- Stdev
            Latency     2.51ms    1.02ms  41.30ms   91.20%
            Req/Sec     1.61k   120.33     1.90k    72.00%
          Latency Distribution
             50%  812.00us
             75%    2.70ms
             90%    3.40ms
             99%    6.05ms
          32101 requests in 10.01s, 412.55MB read
          Socket errors: connect 0, read 2, write 0, timeout 3
          Non-2xx or 3xx responses: 17
        Requests/sec:   3207.09
        Transfer/sec:     41.21MB
        """

    @Test func readsWrksReportOfASlowServer() throws {
        let out = try WrkOutput.parse(Self.slowServer)
        #expect(out.requests == 8)
        #expect(out.durationSeconds == 2.09)
        #expect(out.requestsPerSecond == 3.82)
        #expect(abs(out.latencyMeanSeconds - 0.81947) < 1e-9)
        #expect(abs((out.p50Seconds ?? 0) - 0.8399) < 1e-9)
        #expect(abs((out.p99Seconds ?? 0) - 0.99994) < 1e-9)
        #expect(out.percentiles.keys.sorted() == [50, 75, 90, 99])
        #expect(out.socketErrors == 0 && out.non2xxResponses == 0)
        #expect(abs((out.transferBytesPerSecond ?? 0) - 1.40 * 1_048_576) < 1e-3)
    }

    @Test func readsMicrosecondsErrorsAndNon2xx() throws {
        let out = try WrkOutput.parse(Self.fastWithErrors)
        #expect(out.requests == 32101)
        #expect(out.requestsPerSecond == 3207.09)
        #expect(abs((out.p50Seconds ?? 0) - 0.000812) < 1e-12)
        #expect(abs((out.p99Seconds ?? 0) - 0.00605) < 1e-12)
        #expect(abs(out.latencyMaxSeconds - 0.0413) < 1e-12)
        #expect(out.socketErrors == 5)
        #expect(out.timeouts == 3)
        #expect(out.non2xxResponses == 17)
    }

    @Test func aReportWithoutTheDistributionOrTheRateIsAClearError() {
        let withoutLatency = Self.slowServer.split(separator: "\n").filter { !$0.contains("%  ") && !$0.contains("Distribution") }.joined(separator: "\n")
        #expect {
            try WrkOutput.parse(withoutLatency)
        } throws: { error in
            "\(error)".contains("--latency")
        }
        #expect {
            try WrkOutput.parse("unable to connect to 127.0.0.1:1 Connection refused")
        } throws: { error in
            "\(error)".contains("Requests/sec") && "\(error)".contains("Connection refused")
        }
        #expect(throws: WrkOutput.ParseError.self) { try WrkOutput.parse("") }
    }

    @Test func wrksUnits() {
        #expect(WrkOutput.seconds("812.00us") == 812e-6)
        #expect(WrkOutput.seconds("2.70ms") == 0.0027)
        #expect(WrkOutput.seconds("1.50s") == 1.5)
        #expect(WrkOutput.seconds("2.00m") == 120)
        #expect(WrkOutput.seconds("-1ms") == nil)
        #expect(WrkOutput.seconds("fast") == nil)
        #expect(WrkOutput.bytes("512.00B") == 512)
        #expect(WrkOutput.bytes("2.00KB") == 2048)
        #expect(WrkOutput.bytes("lots") == nil)
    }

    @Test func missingWrkNamesTheInstallCommand() {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("no-wrk-\(UUID().uuidString)").path
        #expect {
            try WrkRun.locate(environment: ["PATH": empty])
        } throws: { error in
            "\(error)".contains("apt-get install wrk")
        }
        let run = WrkRun(executable: "/usr/bin/wrk", settings: .init(threads: 2, connections: 8, duration: .milliseconds(2500)))
        #expect(run.arguments(url: "http://x/") == ["-t", "2", "-c", "8", "-d", "3s", "--latency", "--timeout", "10s", "http://x/"])
    }

    static func report(list: WrkOutput, rssPeak: Int?) throws -> ServeReport {
        ServeReport(
            machine: BenchMachine(cpus: 2, memoryGiB: 8, os: "Debian GNU/Linux 12 (bookworm)", date: Date(timeIntervalSince1970: 1_800_000_000)),
            loadAverage: [3.1, 2.5, 2.0],
            history: IncidentHistory.Summary(
                incidents: 10_000, openIncidents: 30, tickets: 13_334, diagnosed: 2_500, timelineEvents: 48_000, databaseBytes: 30_000_000,
                seconds: 40, sampleIncidentID: 9_996),
            clusters: 3, interval: "1s", threads: 2, connections: 8, durationSeconds: 10,
            rows: [
                ServeReport.Row(name: "incidents, page of 50", path: "/api/v1/incidents?limit=50", wrk: list),
                ServeReport.Row(name: "clusters", path: "/api/v1/clusters", wrk: try WrkOutput.parse(slowServer)),
            ],
            rssIdleBytes: 30_000_000, rssPeakBytes: rssPeak, rssAfterBytes: 40_000_000)
    }

    @Test func cacheHitRateIsHitsOverReads() throws {
        var report = try Self.report(list: try WrkOutput.parse(Self.fastWithErrors), rssPeak: 50_000_000)
        #expect(report.cacheHitRate == nil, "no counts read: no rate")
        report.cacheHits = 990
        report.cacheMisses = 10
        report.cacheInvalidations = 4
        #expect(report.cacheHitRate == 0.99)
        #expect(report.table.notes.contains { $0.contains("990 hits, 10 misses (hit rate 99.00 %), emptied 4 times") })
    }

    @Test func targetsAreAboutTheIncidentList() throws {
        let fast = try WrkOutput.parse(Self.fastWithErrors)  // 3,207 req/s, p99 6.05 ms
        let report = try Self.report(list: fast, rssPeak: 75_000_000)
        let targets = report.targets
        #expect(targets.map(\.metric) == ["requests/s", "p99 latency", "RSS peak"])
        #expect(targets[0].met && abs((targets[0].ratio ?? 0) - 3207.09 / 2000) < 1e-9)
        #expect(targets[1].met && abs((targets[1].ratio ?? 0) - 0.00605 / 0.020) < 1e-9)
        #expect(!targets[2].met && targets[2].ratio == 1.25, "75 MB is over 60 MB")
        #expect(!report.allTargetsMet)
        #expect(targets[2].summary == "RSS peak ≤ 60.0 MB: 75.0 MB (not met, 1.25x the bound)")
        #expect(targets[0].summary.hasPrefix("requests/s ≥ 2,000: 3,207 (met, 1.60x"))

        let slow = try Self.report(list: try WrkOutput.parse(Self.slowServer), rssPeak: nil)
        #expect(slow.targets.allSatisfy { !$0.met }, "3.82 req/s, p99 1 s, and RSS not measured: none met")
    }

    @Test func reportJSONAndTable() throws {
        let report = try Self.report(list: try WrkOutput.parse(Self.fastWithErrors), rssPeak: 50_000_000)
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder.operatorEncoder.encode(report)) as? [String: Any])
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.count == 2)
        let wrk = try #require(rows.first?["wrk"] as? [String: Any])
        #expect(wrk["requests_per_second"] as? Double == 3207.09)
        #expect(wrk["p99_seconds"] as? Double == 0.00605)
        #expect((wrk["percentile_seconds"] as? [String: Any])?["50"] as? Double == 0.000812)
        #expect(wrk["non_2xx_responses"] as? Int == 17)
        #expect(object["rss_peak_bytes"] as? Int == 50_000_000)
        #expect((object["history"] as? [String: Any])?["open_incidents"] as? Int == 30)
        let targets = try #require(object["targets"] as? [[String: Any]])
        #expect(targets.map { $0["met"] as? Bool } == [true, true, true])

        let markdown = report.table.render(markdown: true)
        #expect(markdown.contains("| incidents, page of 50 | `/api/v1/incidents?limit=50` | 3207 | 812 µs |"), "\(markdown)")
        #expect(markdown.contains("Load average when it started (1/5/15 min): 3.10 / 2.50 / 2.00"))
        #expect(markdown.contains("RSS peak ≤ 60.0 MB: 50.0 MB (met, 0.83x the bound)"))
    }

    @Test func theHistoryIsWrittenThroughTheStore() async throws {
        let directory = try WorkDirectory(prefix: "serve-bench-history")
        defer { directory.remove() }
        let path = (directory.path as NSString).appendingPathComponent("history.db")
        var history = IncidentHistory(path: path, subject: "tikv", clusters: ["a", "b"], incidents: 40)
        history.openPerCluster = 3
        history.batch = 7
        let summary = try await history.write(progress: { _ in })
        #expect(summary.incidents == 40)
        #expect(summary.openIncidents == 6)
        // A root per incident, an effect ticket grouped under every third root (n = 0, 3, …, 39: 14).
        #expect(summary.tickets == 40 + 14)
        let store = try SQLiteTicketStore(path: path)
        #expect(try await store.incidentCount(IncidentFilter(statuses: [.open, .diagnosed], cluster: "a")) == 3)
        #expect(try await store.incidentCount(IncidentFilter(statuses: [.resolved])) == 34)
        let withTwo = try await store.incidents(.all).filter { $0.ticketIDs.count == 2 }
        #expect(withTwo.count == 14)
        let diagnosed = try await store.incidents(.all).filter { $0.diagnosis != nil }
        #expect(diagnosed.count == summary.diagnosed && summary.diagnosed == 10, "every fourth id of 1…40")
        let sample = try #require(summary.sampleIncidentID)
        #expect(try await store.incident(id: sample)?.diagnosis?.rootCause.category == "node-down")
        #expect(try await store.diagnosisContext(incidentID: sample) != nil)
        #expect(summary.timelineEvents > 40 * 2, "opened and resolved or diagnosed events, at least")
    }
}
