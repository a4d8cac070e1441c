import Foundation
import Hummingbird
import Logging
import OperatorCore
import OperatorTestSupport
import Synchronization
import Testing

@testable import SubjectTiKV

/// Never "healthy" when blind: PD's `/stores` failing (a proxy's 502 page, then a garbled body) or the
/// metrics source going down leaves invariants without a verdict, and the verdict must say so — in
/// `check` (unknown, not healthy) and in the monitor (an `observation-degraded` ticket naming the source).
@Suite("TiKV: blind observation is never healthy")
struct BlindObservationTests {
    /// What `/stores` answers right now: `nil` is PD's real store list.
    final class StoresFault: Sendable {
        private let current = Mutex<CannedResponse?>(nil)
        func set(_ response: CannedResponse?) { current.withLock { $0 = response } }
        func answer() -> CannedResponse? { current.withLock { $0 } }
    }

    /// nginx's 502 page, as a proxy in front of PD returns it when PD is down.
    static let badGateway = CannedResponse(
        status: .badGateway, contentType: "text/html",
        body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
    /// A truncated store list: JSON cut off mid-object.
    static let garbled = CannedResponse(body: "{\"count\":3,\"stores\":[{\"store\":{\"id\":1,\"address\":\"127.0.")

    static func configuration(_ endpoints: [String], prometheus: String? = nil) -> SubjectConfiguration {
        SubjectConfiguration(
            endpoints: endpoints, prometheusURL: prometheus, settings: ["direct_scrape_warmup": "100ms"],
            requestTimeout: .seconds(20))
    }

    /// Runs `body` with a fake PD whose `/stores` answers as `fault` says, and two live TiKV status servers.
    func withFakeCluster(_ fault: StoresFault, _ body: @Sendable (_ pdURL: String) async throws -> Void) async throws {
        let page = try Fixtures.text("tikv/metrics.txt").replacingOccurrences(
            of: "tikv_store_size_bytes{type=\"available\"} 7516192768",
            with: "tikv_store_size_bytes{type=\"available\"} 64424509440")
        try await withLocalHTTPServers([fakeTiKVStatusRouter(metrics: { page }), fakeTiKVStatusRouter(metrics: { page })]) {
            statusURLs in
            let address = statusURLs.map { $0.replacingOccurrences(of: "http://", with: "") }
            let stores = [FakeStore(id: 1, statusAddress: address[0]), FakeStore(id: 2, statusAddress: address[1])]
            // A healthy cluster apart from the fault: every PD member healthy, no degraded regions.
            let health = try Fixtures.text("pd/health.json").replacingOccurrences(of: "\"health\": false", with: "\"health\": true")
            let router = try fakePDRouter(
                stores: stores, log: RequestLog(), health: health, regionChecks: [.missPeer: regionsCheckBody(count: 0)],
                storesOverride: { fault.answer() })
            try await withLocalHTTPServer(router) { pdURL in try await body(pdURL) }
        }
    }

    @Test("/stores answering a 502 page or a garbled body makes check unknown, naming /stores and its URL")
    func checkIsUnknownWhenStoresFails() async throws {
        let fault = StoresFault()
        try await withFakeCluster(fault) { pdURL in
            let subject = try TiKVSubject(configuration: Self.configuration([pdURL]))
            let clean = try await subject.check()
            #expect(clean.verdict == .healthy, "skipped: \(clean.skipped), violations: \(clean.violations.map(\.message))")

            for response in [Self.badGateway, Self.garbled] {
                fault.set(response)
                let blind = try await subject.check()
                #expect(blind.verdict == .unknown)
                #expect(blind.violations.isEmpty)
                #expect(blind.skippedCritical == ["store-down", "store-isolated"])
                let source = try #require(blind.failedSources.first)
                #expect(source.contains("/pd/api/v1/stores"))
                #expect(source.contains("\(pdURL)/pd/api/v1/stores"))
                #expect(blind.skipped["store-down"]?.contains("/pd/api/v1/stores") == true)
            }
        }
    }

    @Test("A metrics source that is down makes check unknown and names the Prometheus URL; warm-up alone does not")
    func prometheusOutageIsUnknown() async throws {
        let prometheus = "http://127.0.0.1:\(try closedLocalPort())"
        try await withFakeCluster(StoresFault()) { pdURL in
            let subject = try TiKVSubject(configuration: Self.configuration([pdURL], prometheus: prometheus))
            let evaluation = try await subject.check()
            #expect(evaluation.verdict == .unknown)
            #expect(evaluation.skippedCritical.isEmpty, "store-down still has PD's view: \(evaluation.skipped)")
            #expect(evaluation.skipped["latency-high"] != nil)
            #expect(evaluation.failedSources.contains { $0.contains(prometheus) }, "\(evaluation.failedSources)")
        }
    }

    @Test("The monitor opens observation-degraded after N blind ticks, names /stores, notes it in heartbeats, and resolves on recovery")
    func monitorOpensAndResolvesDegradedTicket() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteTicketStore(path: directory.file("tickets.db"))
        let fault = StoresFault()
        try await withFakeCluster(fault) { pdURL in
            let subject = try TiKVSubject(configuration: Self.configuration([pdURL]))
            let monitor = MonitorService(
                subject: subject, store: store,
                // A generous tick timeout: a hang guard only. The default (10 s) was overrun when every suite
                // of the package ran beside this one on two cores, and the timed-out tick read as blind.
                configuration: MonitorConfiguration(interval: .milliseconds(10), tickTimeout: .seconds(60), degradedAfter: 3),
                logger: Logger(label: "test"))
            var failures = 0
            var tick = 0
            func runTick() async throws -> TickReport {
                tick += 1
                return try #require(await monitor.runTick(number: tick, consecutiveFailures: &failures))
            }
            func degradedTickets() async throws -> [Ticket] {
                try await store.tickets(.open).filter { $0.invariant == ObservationDegraded.invariantID }
            }

            _ = try await runTick()
            fault.set(Self.badGateway)
            for n in 1...2 {
                let report = try await runTick()
                #expect(report.error == nil, "observing worked, in part")
                #expect(report.degraded?.contains("/pd/api/v1/stores") == true)
                #expect(try await degradedTickets().isEmpty, "blind tick \(n) of 3: no ticket yet")
            }
            fault.set(Self.garbled)
            _ = try await runTick()
            let ticket = try #require(try await degradedTickets().first, "the third blind tick opens it")
            #expect(ticket.entity == .cluster)
            #expect(ticket.severity == .critical, "store-down, a critical invariant, has no verdict")
            #expect(ticket.message.contains("\(pdURL)/pd/api/v1/stores"))
            #expect(ticket.message.contains("store-down (critical)"))

            let beats = try await store.heartbeats(subject: "tikv", limit: 10)
            #expect(beats.count == 4)
            #expect(beats.prefix(3).allSatisfy { $0.error?.contains("/pd/api/v1/stores") == true })
            #expect(beats.last?.error == nil, "the first tick saw everything")

            fault.set(nil)
            let recovered = try await runTick()
            #expect(recovered.degraded == nil)
            #expect(recovered.outcome?.resolved.map(\.invariant) == [ObservationDegraded.invariantID])
            #expect(try await degradedTickets().isEmpty)
            #expect(try await store.heartbeats(subject: "tikv", limit: 1).first?.error == nil)
        }
    }

    @Test("A Prometheus outage opens observation-degraded naming the Prometheus URL (warning: store-down still has a verdict)")
    func monitorNamesPrometheus() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteTicketStore(path: directory.file("tickets.db"))
        let prometheus = "http://127.0.0.1:\(try closedLocalPort())"
        try await withFakeCluster(StoresFault()) { pdURL in
            let subject = try TiKVSubject(configuration: Self.configuration([pdURL], prometheus: prometheus))
            let monitor = MonitorService(
                subject: subject, store: store, configuration: MonitorConfiguration(degradedAfter: 2),
                logger: Logger(label: "test"))
            var failures = 0
            _ = await monitor.runTick(number: 1, consecutiveFailures: &failures)
            #expect(try await store.tickets(.open).allSatisfy { $0.invariant != ObservationDegraded.invariantID })
            _ = await monitor.runTick(number: 2, consecutiveFailures: &failures)
            let ticket = try #require(
                try await store.tickets(.open).first { $0.invariant == ObservationDegraded.invariantID })
            #expect(ticket.message.contains(prometheus))
            #expect(ticket.severity == .warning)
        }
    }
}
