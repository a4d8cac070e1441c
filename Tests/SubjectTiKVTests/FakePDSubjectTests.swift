import OperatorTestSupport
import Foundation
import Hummingbird
import OperatorCore
import Testing

@testable import SubjectTiKV

/// The subject against a fake PD and fake TiKV status servers over real HTTP.
@Suite("TiKV subject against a fake PD over HTTP")
struct FakePDSubjectTests {
    static func configuration(_ endpoints: [String], settings: JSONValue = ["direct_scrape_warmup": "200ms"])
        -> SubjectConfiguration
    {
        SubjectConfiguration(endpoints: endpoints, settings: settings, requestTimeout: .seconds(20))
    }

    @Test("Disconnected store, 7% free store, miss-peer regions and an unhealthy PD member are reported on the right entities")
    func acceptanceScenario() async throws {
        let healthyPage = try Fixtures.text("tikv/metrics.txt").replacingOccurrences(
            of: "tikv_store_size_bytes{type=\"available\"} 7516192768",
            with: "tikv_store_size_bytes{type=\"available\"} 64424509440")
        let lowSpacePage = try Fixtures.text("tikv/metrics.txt")  // 7 GiB of 100 GiB available
        let deadPort = try closedLocalPort()
        let pdLog = RequestLog()
        let statusLog = RequestLog()
        let routers = [
            fakeTiKVStatusRouter(metrics: { healthyPage }, log: statusLog),
            fakeTiKVStatusRouter(metrics: { lowSpacePage }, log: statusLog),
        ]
        try await withLocalHTTPServers(routers) { statusURLs in
            let address = statusURLs.map { $0.replacingOccurrences(of: "http://", with: "") }
            let stores = [
                FakeStore(id: 1, statusAddress: address[0]),
                FakeStore(id: 2, stateName: "Disconnected", statusAddress: "127.0.0.1:\(deadPort)", lastHeartbeatAgo: 45),
                FakeStore(id: 3, statusAddress: address[1], available: "7GiB"),
            ]
            let router = try fakePDRouter(stores: stores, log: pdLog, regionChecks: [.downPeer: regionsCheckBody(count: 58)])
            try await withLocalHTTPServer(router) { pdURL in
                let subject = try TiKVSubject(configuration: Self.configuration([pdURL]))
                let evaluation = try await subject.check()
                let found = Set(evaluation.violations.map { "\($0.invariant)@\($0.entity)" })
                #expect(found.contains("store-down@store:2"), "\(found)")
                #expect(found.contains("store-low-space@store:3"), "\(found)")
                #expect(found.contains("replication-degraded@cluster"), "\(found)")
                #expect(found.contains("pd-unhealthy@pd:pd3"), "\(found)")
                #expect(!found.contains("store-down@store:1"))
                #expect(!found.contains("store-low-space@store:1"))
                #expect(!found.contains("pd-unhealthy@pd:pd1"))

                let down = try #require(evaluation.violations.first { $0.invariant == "store-down" })
                #expect(down.severity == .critical)
                #expect(down.message.contains("Disconnected"))
                #expect(down.excerpt["status_reachable"] == .bool(false))
                let lowSpace = try #require(evaluation.violations.first { $0.invariant == "store-low-space" })
                #expect(lowSpace.excerpt["available_ratio"]?.doubleValue.map { abs($0 - 0.07) < 0.001 } == true)
                #expect(lowSpace.excerpt["source"] == "tikv_store_size_bytes")
                let degraded = try #require(evaluation.violations.first { $0.invariant == "replication-degraded" })
                #expect(degraded.excerpt["counts"]?["miss-peer"] == 2)
                #expect(degraded.excerpt["counts"]?["down-peer"] == 58)
                #expect(degraded.excerpt["total_regions"] == 1_000_000)

                // Observation details: leader, cluster id beyond 2^53 kept exact, metrics from the live stores.
                let snapshot = evaluation.snapshot
                #expect(snapshot.pd.leader == "pd1")
                #expect(snapshot.clusterID == "7637715636087433014")
                #expect(snapshot.store(1)?.statusReachable == true)
                #expect(snapshot.store(2)?.statusReachable == false)
                #expect(snapshot.store(1)?.metrics?.leaderCount == 17)
                #expect(snapshot.maxStoreDownTimeSeconds == 1800)
                #expect(snapshot.maxReplicas == 3)
                #expect(snapshot.regions?.source == pdURL + "/pd/api/v1/regions/check")
                #expect(!snapshot.statusLines().isEmpty)
                _ = try JSONEncoder.operatorEncoder.encode(snapshot)
            }
            // Never list every region in a tick, never read PD's /metrics: counts come from /regions/check.
            #expect(pdLog.count("/pd/api/v1/regions") == 0)
            #expect(pdLog.count("/metrics") == 0)
            #expect(pdLog.count("/pd/api/v1/regions/check/down-peer") == 1)
            #expect(pdLog.count("/pd/api/v1/stores") == 1)
            #expect(statusLog.count("/metrics") >= 4, "two scrapes per live store: warm-up then the tick")
        }
    }

    @Test("a tick costs the same requests whatever the region count; PD config once a minute, never PD's /metrics")
    func constantCostPerTick() async throws {
        let log = RequestLog()
        let page = try Fixtures.text("tikv/metrics.txt")
        try await withLocalHTTPServer(fakeTiKVStatusRouter(metrics: { page })) { statusURL in
            let store = FakeStore(id: 1, statusAddress: statusURL.replacingOccurrences(of: "http://", with: ""))
            try await withLocalHTTPServer(try fakePDRouter(stores: [store], log: log)) { pdURL in
                let subject = try TiKVSubject(configuration: Self.configuration([pdURL]))
                _ = try await subject.observe()
                let first = log.all.sorted()
                _ = try await subject.observe()
                let second = Array(log.all.dropFirst(first.count)).sorted()
                // The region count fixture says 1,000,000; requests do not depend on it. Small counts with
                // every store Up are read every tick; PD's configuration is cached for a minute.
                let everyTick: Set<String> = [
                    "/pd/api/v1/members", "/pd/api/v1/health", "/pd/api/v1/stores", "/pd/api/v1/regions/count",
                    "/pd/api/v1/regions/check/down-peer", "/pd/api/v1/regions/check/miss-peer",
                    "/pd/api/v1/regions/check/pending-peer", "/pd/api/v1/regions/check/offline-peer",
                    "/pd/api/v1/regions/check/extra-peer",
                ]
                #expect(Set(first) == everyTick.union(["/pd/api/v1/config/schedule", "/pd/api/v1/config/replicate"]))
                #expect(Set(second) == everyTick)
                #expect(first.count == everyTick.count + 2 && second.count == everyTick.count, "one request per route")
            }
        }
    }

    @Test("failover: the first PD endpoint is dead, the second answers")
    func failover() async throws {
        let dead = try closedLocalPort()
        let log = RequestLog()
        try await withLocalHTTPServer(try fakePDRouter(stores: [], log: log)) { pdURL in
            let client = PDClient(endpoints: ["127.0.0.1:\(dead)", pdURL], timeout: .seconds(20))
            let members = try await client.get(PDAPI.members)
            #expect(members.leader?.name == "pd1")
            #expect(client.currentEndpoint == pdURL, "the live endpoint is preferred from now on")
            _ = try await client.get(PDAPI.health)
            #expect(log.count("/pd/api/v1/health") == 1)

            let subject = try TiKVSubject(configuration: Self.configuration(["http://127.0.0.1:\(dead)", pdURL]))
            let snapshot = try await subject.observe()
            #expect(snapshot.pdEndpoint == pdURL)
            #expect(snapshot.pd.members.count == 3)
        }
    }

    @Test("no PD answers: observe throws naming every endpoint; a PD error body names its code")
    func deadAndErroringPD() async throws {
        let dead = try closedLocalPort()
        let subject = try TiKVSubject(configuration: Self.configuration(["http://127.0.0.1:\(dead)"]))
        let error = await #expect(throws: TiKVObservationError.self) { try await subject.observe() }
        #expect(error?.description.contains("127.0.0.1:\(dead)") == true)
        #expect(error?.description.contains("/pd/api/v1/stores") == true)

        let router = Router()
        let notBootstrapped = try Fixtures.text("pd/malformed/stores__pd_error.json")
        router.get("/pd/api/v1/stores") { _, _ in CannedResponse(status: .internalServerError, body: notBootstrapped) }
        router.get("/pd/api/v1/store/7") { _, _ in
            CannedResponse(status: .notFound, body: #""[PD:core:ErrStoreNotFound]store 7 not found""#)
        }
        router.get("/pd/api/v1/health") { _, _ in
            CannedResponse(status: .badGateway, contentType: "text/html", body: "<html><body>502 Bad Gateway</body></html>")
        }
        try await withLocalHTTPServer(router) { url in
            let client = PDClient(endpoints: [url], timeout: .seconds(20))
            let stores = await #expect(throws: PDClientError.self) { try await client.get(PDAPI.stores) }
            #expect(stores?.kind == .pdError(code: "PD:cluster:ErrNotBootstrapped", message: "TiKV cluster not bootstrapped, please start TiKV first"))
            #expect(stores?.httpStatus == 500)
            let missing = await #expect(throws: PDClientError.self) { try await client.get(PDAPI.store(id: 7)) }
            #expect(missing?.httpStatus == 404)
            #expect(missing?.description.contains("/pd/api/v1/store/7") == true)
            let html = await #expect(throws: PDClientError.self) { try await client.get(PDAPI.health) }
            guard case .html? = html?.kind else {
                Issue.record("expected an HTML error, got \(String(describing: html))")
                return
            }
        }
    }

    @Test("learned member URLs join the failover list after the configured ones")
    func learnsMembers() {
        let client = PDClient(endpoints: ["pd1:2379", "http://pd2:2379/"])
        #expect(client.endpoints == ["http://pd1:2379", "http://pd2:2379"])
        client.learn(clientURLs: ["http://pd2:2379", "http://pd3:2379"])
        #expect(client.endpoints == ["http://pd1:2379", "http://pd2:2379", "http://pd3:2379"])
    }
}
