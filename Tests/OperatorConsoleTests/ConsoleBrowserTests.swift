import Foundation
import Logging
import OperatorConsole
import OperatorCore
import OperatorTestSupport
import SubjectTiKV
import Testing
import TiKVSimulator

/// A real headless Chromium reads the console over HTTP, served from a real SQLite store and status board that
/// the production monitors and diagnosis runner (offline diagnoser) filled while watching two TiKV simulators:
/// one with store:2 down, one healthy.
@Suite("Console in a browser", .serialized)
struct ConsoleBrowserTests {
    /// Where screenshots go for people to look at (not committed: `.build/` is ignored).
    static let screenshots = PackagePaths.root.appendingPathComponent(".build/console-screenshots")

    /// Two simulated TiKV clusters watched into one store, as `operator serve` watches them: `prod` with
    /// store:2 down (watched until its incident is open and diagnosed) and `staging`, healthy.
    struct WatchedClusters {
        let simulators: [TiKVSimulator]
        let store: SQLiteTicketStore
        let board: ClusterStatusBoard
        let incidentID: Int64

        func stop() async { for s in simulators { await s.stop() } }
    }

    static func watch(directory: TemporaryDirectory) async throws -> WatchedClusters {
        var configuration = TiKVSimulatorConfiguration()
        configuration.port = 0
        let faulty = TiKVSimulator(configuration: configuration)
        let healthy = TiKVSimulator(configuration: configuration)
        let started = WatchedClusters(simulators: [faulty, healthy], store: try SQLiteTicketStore(path: directory.file("tickets.db")),
                                      board: ClusterStatusBoard(), incidentID: 0)
        do {
            let faultyEndpoints = try await faulty.start()
            let healthyEndpoints = try await healthy.start()
            var logger = Logger(label: "test.console.monitor")
            logger.logLevel = .warning
            func monitor(_ endpoints: TiKVSimulatorEndpoints, cluster: String) throws -> MonitorService<TiKVSubject> {
                var subjectConfiguration = SubjectConfiguration(endpoints: [endpoints.pdURLs[0]])
                subjectConfiguration.requestTimeout = .seconds(30)
                return MonitorService(
                    subject: try TiKVSubject(configuration: subjectConfiguration), store: started.store,
                    configuration: MonitorConfiguration(interval: .seconds(1), tickTimeout: .seconds(60), cluster: cluster),
                    logger: logger, board: started.board)
            }
            let prod = try monitor(faultyEndpoints, cluster: "prod")
            let staging = try monitor(healthyEndpoints, cluster: "staging")
            _ = try await faulty.inject(.storeDown, entity: "store:2")
            var failures = (prod: 0, staging: 0)
            var incident: Incident?
            // A hang guard, not a timing: the first tick after the fault already reports the store down.
            for tick in 1...20 where incident == nil {
                _ = try #require(await prod.runTick(number: tick, consecutiveFailures: &failures.prod))
                _ = try #require(await staging.runTick(number: tick, consecutiveFailures: &failures.staging))
                incident = try await started.store.incidents(IncidentFilter(statuses: [.open], cluster: "prod")).first {
                    $0.rootInvariant == "store-down" && $0.rootEntity.description == "store:2"
                }
                if incident == nil { try await Task.sleep(for: .milliseconds(500)) }
            }
            let opened = try #require(incident, "no store-down incident on store:2 after 20 ticks")
            let runner = DiagnosisRunner(
                subject: prod.subject, store: started.store, diagnoser: OfflineDiagnoser(rules: prod.subject.knowledge.rules),
                configuration: .init(cluster: "prod"), logger: logger)
            let outcomes = await runner.diagnosePending()
            #expect(outcomes.contains { $0.incidentID == opened.id && $0.diagnosis != nil }, "\(outcomes.map { $0.error ?? "ok" })")
            return WatchedClusters(simulators: started.simulators, store: started.store, board: started.board, incidentID: opened.id)
        } catch {
            await started.stop()
            throw error
        }
    }

    static let skipReason: Comment = "chromium is not installed: apt-get install chromium (.ci/run installs it)"

    @Test(
        "Chromium shows the store-down incident, node-down on store:2 and the evidence table; a screenshot is saved",
        .enabled(if: HeadlessChromium.find() != nil, skipReason))
    func incidentInChromium() async throws {
        let chromium = try #require(HeadlessChromium.find())
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fault = try await Self.watch(directory: directory)
        let source = TicketStoreConsoleSource(
            store: fault.store, watched: [.init(name: "prod", subject: "tikv"), .init(name: "staging", subject: "tikv")],
            statuses: fault.board)
        let server = try await ConsoleTestServer.start(source: source)
        defer { server.stop() }
        do {
            let home = try await chromium.dumpDOM(server.baseURL + "/")
            #expect(home.contains("<a href=\"/incidents/\(fault.incidentID)\">"), "the incident is not listed")
            #expect(home.contains("node-down on store:2"), "the diagnosis headline is not listed")
            #expect(home.contains("<code>store:2</code>"))
            #expect(home.contains("data-cluster=\"prod\"><td><a href=\"/clusters/prod\">prod</a></td><td>tikv</td>\n<td><span class=\"badge state-degraded\">degraded</span>"),
                    "the cluster with a store down is not listed as degraded")
            #expect(home.contains("data-cluster=\"staging\"><td><a href=\"/clusters/staging\">staging</a></td><td>tikv</td>\n<td><span class=\"badge state-healthy\">healthy</span>"),
                    "the healthy cluster is not listed as healthy")

            let incident = try await chromium.dumpDOM(server.baseURL + "/incidents/\(fault.incidentID)")
            #expect(incident.contains("<strong class=\"category\">node-down</strong> on <code class=\"entity\">store:2</code>"))
            #expect(incident.contains("<table class=\"evidence\" id=\"evidence\">"), "no evidence table")
            let evidenceRows = RenderedPageChecks.occurrences(of: "<td class=\"code\">s", in: incident)
            #expect(evidenceRows > 0, "the evidence table cites no signal id")
            #expect(incident.contains("observe-only: nothing was executed"))
            #expect(incident.contains("data-action=\"acknowledge\""))
            #expect(incident.contains("<code>store-down</code>"))

            #expect(incident.contains("cluster <a href=\"/clusters/prod\">prod</a>"))

            let cluster = try await chromium.dumpDOM(server.baseURL + "/clusters/prod")
            #expect(cluster.contains("<span class=\"badge verdict-violated\">violated</span>"))
            #expect(cluster.contains("data-invariant=\"store-down\""))
            let healthyCluster = try await chromium.dumpDOM(server.baseURL + "/clusters/staging")
            #expect(healthyCluster.contains("<span class=\"badge verdict-evaluated\">evaluated</span>"))
            #expect(!healthyCluster.contains("verdict-violated\">"), "the healthy cluster shows a violation")
            #expect(!healthyCluster.contains("data-ticket="), "the healthy cluster shows a ticket")

            try FileManager.default.createDirectory(at: Self.screenshots, withIntermediateDirectories: true)
            try await chromium.screenshot(server.baseURL + "/", to: Self.screenshots.appendingPathComponent("home.png").path)
            try await chromium.screenshot(
                server.baseURL + "/incidents/\(fault.incidentID)", to: Self.screenshots.appendingPathComponent("incident.png").path,
                height: 2400)
            try await chromium.screenshot(server.baseURL + "/clusters/prod", to: Self.screenshots.appendingPathComponent("cluster.png").path)
        } catch {
            await fault.stop()
            throw error
        }
        await fault.stop()
    }

    @Test(
        "In Chromium's DOM, planted <script> and \"><img onerror> are text: no such element exists",
        .enabled(if: HeadlessChromium.find() != nil, skipReason))
    func hostileTextInChromium() async throws {
        let chromium = try #require(HeadlessChromium.find())
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteTicketStore(path: directory.file("tickets.db"))
        let incidentID = try await ConsoleRoutesTests().hostileStore(store)
        let source = TicketStoreConsoleSource(
            store: store, watched: [.init(name: "default", subject: "tikv")], statuses: RecordedTickStatuses())
        let server = try await ConsoleTestServer.start(source: source)
        defer { server.stop() }
        for path in ["/", "/incidents/\(incidentID)"] {
            let dom = try await chromium.dumpDOM(server.baseURL + path)
            #expect(dom.contains("<main id=\"live\">"), "\(path): the page did not load")
            // Serialized DOM: an element made from the payload would serialize as <img src="x" ...> or a
            // second <script>; text serializes escaped.
            #expect(!dom.contains("<img"), "\(path): an <img> element exists")
            #expect(RenderedPageChecks.occurrences(of: "<script", in: dom) == 1, "\(path): a script element other than the console's")
            #expect(dom.contains(HostileText.escapedScript), "\(path): the <script> payload is not shown as text")
            #expect(dom.contains("&lt;img src=x onerror=alert(1)&gt;"), "\(path): the <img> payload is not shown as text")
        }
        try FileManager.default.createDirectory(at: Self.screenshots, withIntermediateDirectories: true)
        try await chromium.screenshot(
            server.baseURL + "/incidents/\(incidentID)", to: Self.screenshots.appendingPathComponent("hostile-incident.png").path,
            height: 2400)

        // The console's own script runs under the nonce-only policy and refreshes <main> from the server:
        // after 25 s of virtual time the status line says when it last updated, and the refreshed content
        // is still escaped.
        let refreshed = try await chromium.dumpDOM(server.baseURL + "/incidents/\(incidentID)", virtualSeconds: 25)
        #expect(refreshed.contains("id=\"refresh-status\">updated "), "the page's script did not refresh it")
        #expect(!refreshed.contains("id=\"refresh-status\">refresh failed"))
        #expect(!refreshed.contains("<img"))
        #expect(RenderedPageChecks.occurrences(of: "<script", in: refreshed) == 1)
        #expect(refreshed.contains(HostileText.escapedScript))
        #expect(refreshed.contains("id=\"evidence\""))
    }
}
