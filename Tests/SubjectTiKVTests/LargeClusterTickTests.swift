import Foundation
import Hummingbird
import NIOCore
import OperatorCore
import OperatorTestSupport
import Testing

@testable import SubjectTiKV

/// What a tick reads on a large cluster (issue 16): PD's REST API, never PD's 165 MB `/metrics`; region
/// health from the first bytes of `/regions/check/<state>`, over real HTTP against a loopback PD.
@Suite("TiKV: what a tick reads at any size")
struct LargeClusterTickTests {
    /// Waits (hang guard only) until `body` has ended `requests` requests on the server side.
    static func waitUntilEnded(_ body: StreamedBody, requests: Int) async throws {
        for _ in 0..<600 where body.requestsEnded < requests { try await Task.sleep(for: .milliseconds(50)) }
    }

    @Test("against a PD whose /metrics is 150 MB, check never fetches it and reports replication-degraded from regions/check")
    func hugePDMetricsNeverFetched() async throws {
        let pdMetrics = largePDMetricsPage(megabytes: 150)
        // One dead store of 100 in a 1M-region cluster: ~30k down-peer regions, about 24 MB of JSON.
        let downPeer = regionsCheckBody(count: 30_000)
        let missPeer = regionsCheckBody(count: 40)
        let pdLog = RequestLog()
        let page = try Fixtures.text("tikv/metrics.txt")
        let deadPort = try closedLocalPort()
        try await withLocalHTTPServer(fakeTiKVStatusRouter(metrics: { page })) { statusURL in
            let stores = [
                FakeStore(id: 1, statusAddress: statusURL.replacingOccurrences(of: "http://", with: "")),
                FakeStore(id: 2, stateName: "Disconnected", statusAddress: "127.0.0.1:\(deadPort)", lastHeartbeatAgo: 45),
            ]
            let router = try fakePDRouter(
                stores: stores, log: pdLog, regionChecks: [.downPeer: downPeer, .missPeer: missPeer], largeMetrics: pdMetrics)
            try await withLocalHTTPServer(router) { pdURL in
                let subject = try TiKVSubject(configuration: FakePDSubjectTests.configuration([pdURL]))
                let evaluation = try await subject.check()
                let degraded = try #require(evaluation.violations.first { $0.invariant == "replication-degraded" })
                #expect(degraded.severity == .critical)
                #expect(degraded.excerpt["counts"]?["down-peer"] == 30_000)
                #expect(degraded.excerpt["counts"]?["miss-peer"] == 40)
                #expect(degraded.excerpt["source"] == .string(pdURL + "/pd/api/v1/regions/check"))
                #expect(evaluation.snapshot.regions?.count(.extraPeer) == 0, "the fixture's extra-peer count")
                #expect(evaluation.violations.contains { $0.invariant == "store-down" && $0.entity == Entity(kind: "store", id: "2") })
            }
        }
        #expect(pdLog.count("/metrics") == 0, "PD's /metrics is never requested: \(pdLog.all)")
        #expect(pdMetrics.bytesWritten == 0)
        for check in RegionCheckSchedule.tickChecks {
            #expect(pdLog.count("/pd/api/v1/regions/check/\(check.rawValue)") == 1, "\(check.rawValue): \(pdLog.all)")
        }
        for never in ["learner-peer", "empty-region", "undersized-region"] {
            #expect(pdLog.count("/pd/api/v1/regions/check/\(never)") == 0)
        }
        #expect(pdLog.count("/pd/api/v1/regions") == 0)
        // The down-peer answer was cut short once its count was read: the server could not write it all.
        try await Self.waitUntilEnded(downPeer, requests: 1)
        #expect(downPeer.requestsEnded == 1)
        #expect(downPeer.requestsCompleted == 0, "the client closed the connection after the count")
        let total = downPeer.totalBytes()
        #expect(total > 20_000_000, "about 0.7 KB per region: \(total)")
        #expect(downPeer.bytesWritten < total, "\(downPeer.bytesWritten) of \(total) bytes written")
    }

    @Test("a store not Up: the next tick reuses the region counts (read every 30 s), PD config is read once a minute")
    func slowedWhileAStoreIsNotUp() async throws {
        let pdLog = RequestLog()
        let deadPort = try closedLocalPort()
        let stores = [FakeStore(id: 2, stateName: "Disconnected", statusAddress: "127.0.0.1:\(deadPort)", lastHeartbeatAgo: 45)]
        try await withLocalHTTPServer(try fakePDRouter(stores: stores, log: pdLog)) { pdURL in
            let subject = try TiKVSubject(configuration: FakePDSubjectTests.configuration([pdURL]))
            let first = try await subject.observe()
            let second = try await subject.observe()
            #expect(first.regions?.count(.missPeer) == 2)
            #expect(second.regions?.count(.missPeer) == 2, "remembered, not dropped")
            #expect(second.regions?.ageSeconds?["miss-peer"] != nil, "a remembered count carries its age")
            #expect(first.regions?.ageSeconds == nil)
            #expect(second.maxReplicas == 3 && second.maxStoreDownTimeSeconds == 1800, "cached config still reported")
        }
        #expect(pdLog.count("/pd/api/v1/regions/check/miss-peer") == 1, "\(pdLog.all)")
        #expect(pdLog.count("/pd/api/v1/config/schedule") == 1)
        #expect(pdLog.count("/pd/api/v1/config/replicate") == 1)
        #expect(pdLog.count("/pd/api/v1/stores") == 2)
    }

    @Test("schedule: small counts with every store Up are read every tick; large ones and not-Up clusters every 30 s")
    func schedule() async {
        let schedule = RegionCheckSchedule(largeCount: 1_000, slowInterval: 30)
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        #expect(await schedule.isDue(.downPeer, at: t0, everyStoreUp: false), "never read: read now")
        await schedule.record(.downPeer, count: 5, at: t0)
        #expect(await schedule.isDue(.downPeer, at: t0 + 1, everyStoreUp: true))
        #expect(await !schedule.isDue(.downPeer, at: t0 + 1, everyStoreUp: false))
        #expect(await schedule.isDue(.downPeer, at: t0 + 30, everyStoreUp: false))
        await schedule.record(.missPeer, count: 1_000, at: t0)
        #expect(await !schedule.isDue(.missPeer, at: t0 + 29, everyStoreUp: true))
        #expect(await schedule.isDue(.missPeer, at: t0 - 5, everyStoreUp: true), "a clock stepped back reads again")
        #expect(await schedule.remembered(.missPeer, at: t0 + 60)?.count == 1_000)
        #expect(await schedule.remembered(.missPeer, at: t0 + 61) == nil, "older than a minute: not used")
    }

    @Test("the leading count: compact and pretty bodies, count not first, malformed counts", arguments: [
        (#"{"count":30000,"regions":[{"id":1"#, LeadingCount.count(30_000)),
        ("{\n  \"count\": 2,\n  \"regions\": [", .count(2)),
        (#"{"count":0}"#, .count(0)),
        (#"{"count":12"#, .needMore),
        (#"{"cou"#, .needMore),
        (#"{"regions":[],"count":3}"#, .notLeading),
        (#""[PD:cluster:ErrNotBootstrapped]""#, .notLeading),
        (#"{"count":-1,"regions":[]}"#, .malformed("count is negative")),
        (#"{"count":1.5,"regions":[]}"#, .malformed("count is not a whole number")),
        (#"{"count":1234567890123456789012,"#, .malformed("count has more than 18 digits")),
    ])
    func leadingCount(body: String, expected: LeadingCount) {
        #expect(LeadingCount.read(ByteBuffer(string: body)) == expected)
    }

    @Test("regionCheckCount over HTTP: a count that is not first is decoded whole; a PD error names its code")
    func regionCheckCountFallbacks() async throws {
        let router = Router()
        router.get("/pd/api/v1/regions/check/miss-peer") { _, _ in CannedResponse(body: #"{"regions":[],"count":3}"#) }
        router.get("/pd/api/v1/regions/check/down-peer") { _, _ in
            CannedResponse(status: .internalServerError, body: #""[PD:cluster:ErrNotBootstrapped]TiKV cluster not bootstrapped""#)
        }
        router.get("/pd/api/v1/regions/check/pending-peer") { _, _ in CannedResponse(body: #"{"count":-4,"regions":[]}"#) }
        try await withLocalHTTPServer(router) { url in
            let client = PDClient(endpoints: [url], timeout: .seconds(20))
            let missPeer = try await client.regionCheckCount(.missPeer)
            #expect(missPeer == 3)
            let error = await #expect(throws: PDClientError.self) { try await client.regionCheckCount(.downPeer) }
            #expect(error?.kind == .pdError(code: "PD:cluster:ErrNotBootstrapped", message: "TiKV cluster not bootstrapped"))
            let negative = await #expect(throws: PDClientError.self) { try await client.regionCheckCount(.pendingPeer) }
            #expect(negative?.description.contains("count is negative") == true, "\(String(describing: negative))")
        }
    }
}

/// With `--prometheus-url`: region health cross-checked against `sum(pd_regions_status) by (type)` from a
/// loopback Prometheus HTTP API answering in its real vector shape.
@Suite("TiKV: region health cross-check with Prometheus")
struct RegionHealthCrossCheckTests {
    /// A Prometheus `/api/v1/query` that answers the region-health sum with `counts` (by `type`) and every
    /// other query with an empty vector (no store series: store metrics say why, not healthy).
    static func prometheusRouter(counts: [String: Int], log: RequestLog) -> Router<BasicRequestContext> {
        let router = Router()
        router.middlewares.add(RecordingMiddleware(log: log))
        router.get("/api/v1/query") { request, _ -> CannedResponse in
            let query = request.uri.queryParameters.get("query") ?? ""
            // Only the region-health sum names pd_regions_status; store queries get no series.
            let samples = query.contains("pd_regions_status")
                ? counts.map { #"{"metric":{"type":"\#($0.key)"},"value":[1732700000,"\#($0.value)"]}"# } : []
            return CannedResponse(body: #"{"status":"success","data":{"resultType":"vector","result":["# + samples.joined(separator: ",") + "]}}")
        }
        return router
    }

    @Test("regions/check and the metric disagree: regions/check wins and the disagreement is evidence; a failed state takes the metric's count")
    func disagreementIsEvidence() async throws {
        let pdLog = RequestLog()
        let promLog = RequestLog()
        // PD in microservice mode: its gauges read 0 while /regions/check counts 2 miss-peer regions.
        let metric = ["miss-peer-region-count": 0, "down-peer-region-count": 5, "pending-peer-region-count": 0,
                      "offline-peer-region-count": 0, "extra-peer-region-count": 0]
        // down-peer answers a proxy's HTML page here, so its count must come from the metric.
        let proxyPage = StreamedBody(text: "<html><body>upstream timed out</body></html>")
        let router = try fakePDRouter(stores: [], log: pdLog, regionChecks: [.downPeer: proxyPage])
        try await withLocalHTTPServers([router, Self.prometheusRouter(counts: metric, log: promLog)]) { urls in
            let configuration = SubjectConfiguration(
                endpoints: [urls[0]], prometheusURL: urls[1], settings: ["probe_status_endpoints": false], requestTimeout: .seconds(20))
            let subject = try TiKVSubject(configuration: configuration)
            let evaluation = try await subject.check()
            let regions = try #require(evaluation.snapshot.regions, "\(evaluation.snapshot.regionsError ?? "")")
            #expect(regions.count(.missPeer) == 2, "/regions/check is preferred")
            #expect(regions.metricCounts?["miss-peer"] == 0)
            #expect(regions.count(.downPeer) == 5, "taken from the metric when /regions/check failed")
            #expect(regions.fromMetric == ["down-peer"])
            #expect(regions.source(of: .downPeer).contains("pd_regions_status"))
            let disagreement = try #require(regions.disagreements?.first)
            #expect(disagreement.contains("miss-peer") && disagreement.contains("counts 2") && disagreement.contains("says 0"), "\(disagreement)")
            #expect(evaluation.snapshot.notes.contains(disagreement), "shown in status")
            let degraded = try #require(evaluation.violations.first { $0.invariant == "replication-degraded" })
            #expect(degraded.excerpt["disagreements"] == .array([.string(disagreement)]))
        }
        #expect(promLog.all.contains("/api/v1/query"))
        #expect(pdLog.count("/metrics") == 0)
    }
}

/// Without Prometheus, store pages are read in turn: flagged stores every tick, the rest at least once a
/// cycle, and a store not read keeps its last metrics only while they are fresh.
@Suite("TiKV: store pages read in turn")
struct StoreScrapeRotationTests {
    static func targets(_ n: Int, flagged: Set<UInt64> = []) -> [StoreMetricsTarget] {
        (1...UInt64(n)).map { StoreMetricsTarget(storeID: $0, statusAddress: "s\($0):20180", flag: flagged.contains($0) ? "busy" : nil) }
    }

    @Test("choose: flagged, failed, never-read and overdue stores first, then the least recently read share")
    func choose() {
        let rotation = StoreScrapeRotation(cycle: 45, freshFor: 60, wholeClusterUpTo: 0, minimumPerTick: 2)
        let now = Date(timeIntervalSince1970: 2_000_000)
        let all = Self.targets(90, flagged: [7])
        // Store s was read s seconds ago (store 90 is overdue at 90 s; store 50 at 50 s is overdue too).
        var lastRead: [UInt64: Date] = [:]
        for t in all where t.storeID != 3 { lastRead[t.storeID] = now - TimeInterval(t.storeID) / 2 }
        lastRead[90] = now - 90
        let chosen = rotation.choose(all, lastRead: lastRead, failed: [5], sinceLastTick: 10, now: now).map(\.storeID)
        #expect(Set(chosen).isSuperset(of: [3, 5, 7, 90]), "never read, failed, flagged, overdue: \(chosen)")
        // 90 stores, 10 s of a 45 s cycle: a share of 20 stores this tick.
        #expect(chosen.count == 20, "\(chosen)")
        let share = chosen.filter { ![3, 5, 7, 90].contains($0) }
        #expect(share == Array(share.sorted().reversed()), "least recently read first: \(share)")
        #expect(share.first == 89)
        // The first tick reads every store; a small cluster is read whole every tick.
        #expect(rotation.choose(all, lastRead: [:], failed: [], sinceLastTick: nil, now: now).count == 90)
        let small = Self.targets(3)
        let recent = Dictionary(uniqueKeysWithValues: small.map { ($0.storeID, now - 1) })
        #expect(rotation.choose(small, lastRead: recent, failed: [], sinceLastTick: 1, now: now).count == 2, "minimum per tick")
        #expect(StoreScrapeRotation().choose(small, lastRead: recent, failed: [], sinceLastTick: 1, now: now).count == 3)
    }

    @Test("by default a large cluster's tick reads 4 pages beside the flagged ones; a cluster of 4 stores is read whole")
    func defaultShare() {
        let rotation = StoreScrapeRotation()
        let now = Date(timeIntervalSince1970: 2_000_000)
        let large = Self.targets(100, flagged: [10, 20])
        let recent = Dictionary(uniqueKeysWithValues: large.map { ($0.storeID, now - 5) })
        let chosen = rotation.choose(large, lastRead: recent, failed: [], sinceLastTick: 1, now: now).map(\.storeID)
        #expect(chosen.count == 4, "\(chosen)")
        #expect(Set(chosen).isSuperset(of: [10, 20]), "flagged stores every tick: \(chosen)")
        // 500 stores at a 1 s tick: the cycle's share (500 / 45, rounded up) is more than the minimum.
        let huge = Self.targets(500)
        let recentHuge = Dictionary(uniqueKeysWithValues: huge.map { ($0.storeID, now - 5) })
        #expect(rotation.choose(huge, lastRead: recentHuge, failed: [], sinceLastTick: 1, now: now).count == 12)
        let four = Self.targets(4)
        let recentFour = Dictionary(uniqueKeysWithValues: four.map { ($0.storeID, now - 1) })
        #expect(rotation.choose(four, lastRead: recentFour, failed: [], sinceLastTick: 1, now: now).count == 4)
        // Up to 16 stores every page every tick: a metric fault on a small cluster shows on the next tick.
        let sixteen = Self.targets(16)
        let recentSixteen = Dictionary(uniqueKeysWithValues: sixteen.map { ($0.storeID, now - 1) })
        #expect(rotation.choose(sixteen, lastRead: recentSixteen, failed: [], sinceLastTick: 1, now: now).count == 16)
        let seventeen = Self.targets(17)
        let recentSeventeen = Dictionary(uniqueKeysWithValues: seventeen.map { ($0.storeID, now - 1) })
        #expect(rotation.choose(seventeen, lastRead: recentSeventeen, failed: [], sinceLastTick: 1, now: now).count == 4)
    }

    @Test("PD's view flags stores: not Up, slow score above 1, busy, low space")
    func flags() {
        var store = StoreView(id: 1)
        #expect(StoreScrapeRotation.flag(store, lowSpaceRatio: 0.2) == nil)
        store.pdSlowScore = 1
        #expect(StoreScrapeRotation.flag(store, lowSpaceRatio: 0.2) == nil)
        store.pdSlowScore = 3
        #expect(StoreScrapeRotation.flag(store, lowSpaceRatio: 0.2) == "slow score 3")
        store.pdSlowScore = nil
        store.isBusy = true
        #expect(StoreScrapeRotation.flag(store, lowSpaceRatio: 0.2) == "busy")
        store.isBusy = false
        store.capacityBytes = 100
        store.availableBytes = 10
        #expect(StoreScrapeRotation.flag(store, lowSpaceRatio: 0.2) == "low space")
        #expect(StoreScrapeRotation.flag(StoreView(id: 2, stateName: "Disconnected"), lowSpaceRatio: 0.2) == "state Disconnected")
    }

    @Test("over HTTP: the second tick reads only its share and flagged stores; the others keep fresh metrics")
    func secondTickReadsAShare() async throws {
        let log = RequestLog()
        let page = try Fixtures.text("tikv/metrics.txt")
        try await withLocalHTTPServer(fakeTiKVStatusRouter(metrics: { page }, log: log)) { statusURL in
            let address = statusURL.replacingOccurrences(of: "http://", with: "")
            let targets = (1...UInt64(12)).map { StoreMetricsTarget(storeID: $0, statusAddress: address, flag: $0 == 12 ? "busy" : nil) }
            let source = DirectStoreMetricsSource(
                timeout: .seconds(20), warmup: .milliseconds(100),
                // A long cycle: however slowly this machine runs the first tick, the second's share is 1.
                rotation: StoreScrapeRotation(cycle: 3600, freshFor: 3600, wholeClusterUpTo: 0, minimumPerTick: 3))
            let first = await source.read(targets)
            #expect(log.count("/metrics") == 24, "first tick: every store, warm-up then the read")
            #expect(first.metrics.count == 12 && first.metrics.values.allSatisfy { $0.qps != nil })
            let second = await source.read(targets)
            #expect(log.count("/metrics") == 24 + 3, "a share of 3 (the flagged store among them)")
            #expect(second.metrics.count == 12, "stores not read keep their fresh metrics")
            #expect(second.errors.isEmpty, "\(second.errors)")
            #expect(second.statusReachable[12] == true, "the flagged store was read")
            #expect(second.statusReachable.count == 3)
        }
    }
}
