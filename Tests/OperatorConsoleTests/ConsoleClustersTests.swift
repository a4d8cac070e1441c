import Foundation
import OperatorConsole
import OperatorCore
import OperatorTestSupport
import Testing

/// Two clusters in one store, with the monitors' real status board: each page shows its own cluster's
/// rows, and the home page lists both with their state.
@Suite("Console with two clusters")
struct ConsoleClustersTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func tick(_ store: SQLiteTicketStore, cluster: String, _ violations: [Violation], evaluated: Set<String>) async throws -> TickOutcome {
        try await store.recordTick(
            TickFindings(subject: "tikv", at: t0, violations: violations, evaluated: evaluated, cluster: cluster),
            heartbeat: Heartbeat(subject: "tikv", tick: 1, startedAt: t0, durationMs: 20, violations: violations.count, openTickets: 0,
                                 error: nil, cluster: cluster),
            policy: TicketPolicy())
    }

    @Test("Home lists both clusters and their states; each cluster page shows only its tickets; acknowledgement shows, escaped")
    func twoClusters() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteTicketStore(path: directory.file("tickets.db"))
        let down = Violation(invariant: "store-down", entity: Entity(kind: "store", id: "2"), severity: .critical, message: "store 2 is down")
        let eu = try await tick(store, cluster: "eu-1", [down], evaluated: ["store-down", "region-health"])
        _ = try await tick(store, cluster: "us-1", [], evaluated: ["store-down", "region-health"])
        let incidentID = try #require(eu.opened.first?.incidentID)
        _ = try await store.acknowledgeIncident(id: incidentID, by: "alice " + HostileText.attribute, note: nil, at: t0)

        let board = ClusterStatusBoard()
        await board.publish(ClusterTickStatus(
            cluster: "eu-1", subject: "tikv", tick: 1, startedAt: t0, durationMs: 20, evaluated: ["region-health", "store-down"],
            skipped: [:], violations: 1, error: nil, degradedReason: nil, state: .degraded))
        await board.publish(ClusterTickStatus(
            cluster: "us-1", subject: "tikv", tick: 1, startedAt: t0, durationMs: 18, evaluated: ["region-health", "store-down"],
            skipped: ["store-low-space": "metrics unavailable"], violations: 0, error: nil, degradedReason: nil, state: .healthy))
        let source = TicketStoreConsoleSource(
            store: store, watched: [.init(name: "eu-1", subject: "tikv"), .init(name: "us-1", subject: "tikv"), .init(name: "ap-1", subject: "tikv")],
            statuses: board)
        let server = try await ConsoleTestServer.start(source: source)
        defer { server.stop() }

        let home = try await getPage(server.baseURL + "/").body
        #expect(home.contains("data-cluster=\"eu-1\"><td><a href=\"/clusters/eu-1\">eu-1</a></td><td>tikv</td>\n<td><span class=\"badge state-degraded\">degraded</span></td><td class=\"num\">1</td>"))
        #expect(home.contains("data-cluster=\"us-1\"><td><a href=\"/clusters/us-1\">us-1</a></td><td>tikv</td>\n<td><span class=\"badge state-healthy\">healthy</span></td><td class=\"num\">0</td>"))
        // Configured but never ticked: starting, not healthy.
        #expect(home.contains("data-cluster=\"ap-1\"><td><a href=\"/clusters/ap-1\">ap-1</a></td><td>tikv</td>\n<td><span class=\"badge state-starting\">starting</span></td>"))
        #expect(home.contains("<td class=\"num\"><a href=\"/incidents/\(incidentID)\">\(incidentID)</a></td><td>eu-1</td>"))
        #expect(home.contains("ack by alice " + HostileText.escapedAttribute))

        let euPage = try await getPage(server.baseURL + "/clusters/eu-1").body
        #expect(euPage.contains("data-ticket="))
        #expect(euPage.contains("<span class=\"badge verdict-violated\">violated</span>"))
        let usPage = try await getPage(server.baseURL + "/clusters/us-1").body
        #expect(!usPage.contains("data-ticket="), "us-1 shows eu-1's ticket")
        #expect(!usPage.contains("verdict-violated\">"))
        #expect(usPage.contains("<span class=\"badge verdict-skipped\">skipped</span></td><td>metrics unavailable</td>"))

        let incident = try await getPage(server.baseURL + "/incidents/\(incidentID)").body
        #expect(incident.contains("cluster <a href=\"/clusters/eu-1\">eu-1</a>"))
        #expect(incident.contains("acknowledged by alice " + HostileText.escapedAttribute + " at "))
        #expect(!incident.contains(HostileText.attribute))
    }

    @Test("Replicas: home shows which replica holds each cluster's lease; a cluster watched elsewhere says so instead of a bare 'starting'")
    func watchedByReplica() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteTicketStore(path: directory.file("tickets.db"))
        let now = Date()
        _ = try await store.acquireLease(LeaseName.cluster("eu-1"), holder: "replica-a", duration: .seconds(600), now: now)
        _ = try await store.acquireLease(LeaseName.cluster("us-1"), holder: "replica-b" + HostileText.attribute, duration: .seconds(600), now: now)
        _ = try await store.acquireLease(LeaseName.cluster("ap-1"), holder: "gone", duration: .seconds(1), now: now.addingTimeInterval(-60))
        let board = ClusterStatusBoard()
        await board.publish(ClusterTickStatus(
            cluster: "eu-1", subject: "tikv", tick: 1, startedAt: t0, durationMs: 20, evaluated: ["store-down"],
            skipped: [:], violations: 0, error: nil, degradedReason: nil, state: .healthy))
        let source = TicketStoreConsoleSource(
            store: store, watched: [.init(name: "eu-1", subject: "tikv"), .init(name: "us-1", subject: "tikv"), .init(name: "ap-1", subject: "tikv")],
            statuses: board, leases: store)
        let rows = try await source.clusters()
        #expect(rows.map(\.watchedBy) == ["replica-a", "replica-b" + HostileText.attribute, nil], "an expired lease names nobody")
        #expect(rows[1].note?.contains("watched by replica replica-b") == true)
        let server = try await ConsoleTestServer.start(source: source)
        defer { server.stop() }
        let home = try await getPage(server.baseURL + "/").body
        #expect(home.contains("<td class=\"replica\">replica-a</td>"))
        #expect(home.contains("<td class=\"replica\">replica-b" + HostileText.escapedAttribute + "</td>"))
        #expect(!home.contains(HostileText.attribute))
        #expect(home.contains("<td class=\"replica\">—</td>"))
    }
}
