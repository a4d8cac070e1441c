import Foundation
import OperatorConsole
import OperatorCore
import OperatorTestSupport
import Testing

/// The pages over real HTTP and a real SQLite ticket store, filled through the store's own tick and
/// diagnosis writes with text a cluster and a model could send.
@Suite("Console routes")
struct ConsoleRoutesTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// A store where store:2's ticket message (hence the incident title and timeline) and the diagnosis
    /// carry both payloads. Returns the incident id.
    func hostileStore(_ store: SQLiteTicketStore) async throws -> Int64 {
        let violation = Violation(
            invariant: "store-down", entity: Entity(kind: "store", id: "2"), severity: .critical, message: HostileText.both)
        let findings = TickFindings(subject: "tikv", at: t0, violations: [violation], evaluated: ["store-down", "region-health"])
        let heartbeat = Heartbeat(subject: "tikv", tick: 1, startedAt: t0, durationMs: 12, violations: 1, openTickets: 0, error: nil)
        let outcome = try await store.recordTick(findings, heartbeat: heartbeat, policy: TicketPolicy())
        let ticket = try #require(outcome.opened.first)
        let incidentID = try #require(ticket.incidentID)
        let context = DiagnosisContext(
            subject: "tikv",
            incident: ContextIncident(id: incidentID, rootEntity: ticket.entity, rootInvariant: ticket.invariant, title: ticket.message),
            tickets: [ContextTicket(ticket)], otherOpenTickets: [], taxonomy: [], evidence: DiagnosisEvidence(), builtAt: t0)
        try await store.recordDiagnosis(HostileText.diagnosis(), context: context, incidentID: incidentID, at: t0.addingTimeInterval(1))
        return incidentID
    }

    @Test("Served pages show planted <script> and \"><img onerror> as text, under a nonce-only Content-Security-Policy")
    func servedPagesEscape() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteTicketStore(path: directory.file("tickets.db"))
        let incidentID = try await hostileStore(store)
        let statuses = RecordedTickStatuses()
        statuses.set(ClusterTickStatus(
            cluster: "default", subject: "tikv", tick: 1, startedAt: t0, durationMs: 12, evaluated: ["store-down", "region-health"],
            skipped: ["store-low-space": "metrics " + HostileText.attribute], violations: 1, error: nil, degradedReason: nil,
            state: .degraded))
        let source = TicketStoreConsoleSource(
            store: store, watched: [.init(name: "default", subject: "tikv")], statuses: statuses)
        let server = try await ConsoleTestServer.start(source: source)
        defer { server.stop() }

        let home = try await getPage(server.baseURL + "/")
        #expect(home.status == 200)
        #expect(home.headers["content-type"] == "text/html; charset=utf-8")
        let csp = try #require(home.headers["content-security-policy"])
        #expect(csp.contains("script-src 'nonce-"))
        #expect(!csp.contains("unsafe-inline"))
        RenderedPageChecks.expectEscaped(home.body)
        #expect(home.body.contains("<a href=\"/incidents/\(incidentID)\">"))
        #expect(home.body.contains("node-down on store:2 (85%)"))

        let incident = try await getPage(server.baseURL + "/incidents/\(incidentID)")
        #expect(incident.status == 200)
        RenderedPageChecks.expectEscaped(incident.body)
        #expect(incident.body.contains("id=\"evidence\""))
        #expect(incident.body.contains("Summary store 2 said " + HostileText.escapedScript))

        let cluster = try await getPage(server.baseURL + "/clusters/default")
        #expect(cluster.status == 200)
        RenderedPageChecks.expectEscaped(cluster.body)
        #expect(cluster.body.contains("data-invariant=\"store-down\"><td><code>store-down</code></td>\n<td><span class=\"badge verdict-violated\">violated</span>"))
        #expect(cluster.body.contains("<span class=\"badge verdict-evaluated\">evaluated</span>"))
        #expect(cluster.body.contains("metrics " + HostileText.escapedAttribute))

        // Each response has its own nonce.
        let again = try await getPage(server.baseURL + "/")
        #expect(again.headers["content-security-policy"] != csp)
    }

    @Test("Unknown incident ids and cluster names are 404 pages naming what was asked for")
    func notFound() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteTicketStore(path: directory.file("tickets.db"))
        let source = TicketStoreConsoleSource(
            store: store, watched: [.init(name: "default", subject: "tikv")], statuses: RecordedTickStatuses())
        let server = try await ConsoleTestServer.start(source: source)
        defer { server.stop() }

        let missing = try await getPage(server.baseURL + "/incidents/4242")
        #expect(missing.status == 404)
        #expect(missing.body.contains("No incident #4242"))
        let malformed = try await getPage(server.baseURL + "/incidents/%3Cscript%3E")
        #expect(malformed.status == 404)
        #expect(malformed.body.contains("No incident &quot;&lt;script&gt;&quot;"))
        #expect(!malformed.body.contains("<script>\""))
        let zero = try await getPage(server.baseURL + "/incidents/-1")
        #expect(zero.status == 404)
        let cluster = try await getPage(server.baseURL + "/clusters/nope")
        #expect(cluster.status == 404)
        #expect(cluster.body.contains("No cluster &quot;nope&quot;"))
        // The console's links percent-encode names; the route decodes them.
        let encoded = try await getPage(server.baseURL + "/clusters/%64efault")
        #expect(encoded.status == 200)

        // A configured cluster whose monitor has not ticked yet is "starting", never healthy.
        let home = try await getPage(server.baseURL + "/")
        #expect(home.body.contains("<span class=\"badge state-starting\">starting</span>"))
        #expect(!home.body.contains("state-healthy\">"))
        let fresh = try await getPage(server.baseURL + "/clusters/default")
        #expect(fresh.status == 200)
        #expect(fresh.body.contains("No tick has completed yet"))
    }

    @Test("A store that cannot be read answers 500 saying what could not be read, not an empty page")
    func unreadableStore() async throws {
        let server = try await ConsoleTestServer.start(source: FailingSource())
        defer { server.stop() }
        let home = try await getPage(server.baseURL + "/")
        #expect(home.status == 500)
        #expect(home.body.contains("Cannot read the clusters and incidents"))
        #expect(home.body.contains("database is locked"))
    }
}

/// A source whose store refuses every read (as a locked or vanished database would).
struct FailingSource: ConsolePageSource {
    struct Refused: Error, CustomStringConvertible { var description: String { "database is locked" } }
    func clusters() async throws -> [ConsoleClusterSummary] { throw Refused() }
    func recentIncidents(limit: Int) async throws -> [ConsoleIncidentSummary] { throw Refused() }
    func incident(id: Int64) async throws -> ConsoleIncidentDetail? { throw Refused() }
    func cluster(name: String) async throws -> ConsoleClusterDetail? { throw Refused() }
}
