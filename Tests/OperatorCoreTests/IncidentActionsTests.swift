import Foundation
import OperatorCore
import Testing

/// Listing with a cursor, acknowledging and resolving incidents by hand: what the API's routes call.
@Suite("Incident actions and cursors")
struct IncidentActionsTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let evaluated: Set<String> = ["node-down"]

    func tick(_ store: any TicketStore, _ second: Double, _ violations: [Violation], cluster: String = "default") async throws
        -> TickOutcome
    {
        try await store.record(
            TickFindings(subject: "fake", at: t0.addingTimeInterval(second), violations: violations, evaluated: evaluated, cluster: cluster),
            policy: TicketPolicy(resolveAfterAbsentTicks: 3))
    }

    @Test(arguments: StoreKind.allCases) func incidentsPageNewestFirstWithACursor(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        // Seven incidents, alternating between two clusters.
        for n in 1...7 {
            _ = try await tick(store, Double(n), [.fake("node-down", Entity(kind: "node", id: "n\(n)"))], cluster: n % 2 == 0 ? "b" : "a")
        }
        let first = try await store.incidents(IncidentFilter(limit: 3, newestFirst: true))
        #expect(first.map(\.id) == [7, 6, 5])
        let second = try await store.incidents(IncidentFilter(limit: 3, beforeID: try #require(first.last?.id)))
        #expect(second.map(\.id) == [4, 3, 2])
        let third = try await store.incidents(IncidentFilter(limit: 3, beforeID: try #require(second.last?.id)))
        #expect(third.map(\.id) == [1])
        #expect(try await store.incidents(IncidentFilter(limit: 3, beforeID: 1)).isEmpty)
        #expect(try await store.incidents(IncidentFilter(limit: 2, cluster: "a", beforeID: 7)).map(\.id) == [5, 3])
        #expect(try await store.incidents(.all).map(\.id) == [1, 2, 3, 4, 5, 6, 7], "without a cursor: oldest first, as before")

        let tickets = try await store.tickets(TicketFilter(limit: 2, cluster: "b", beforeID: 7))
        #expect(tickets.map(\.id) == [6, 4])
        #expect(try await store.tickets(TicketFilter(limit: 2, newestFirst: true)).map(\.id) == [7, 6])
    }

    @Test(arguments: StoreKind.allCases) func acknowledgingRecordsWhoWhenAndTheNote(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        let opened = try await tick(store, 0, [.fake("node-down", "node:n2")])
        let id = try #require(opened.incidentsOpened.first)
        let at = t0.addingTimeInterval(30)
        let incident = try await store.acknowledgeIncident(id: id, by: "alice", note: "looking at the disk", at: at)
        #expect(incident.acknowledgedBy == "alice")
        #expect(incident.acknowledgedAt == at)
        #expect(incident.status == .open, "acknowledging does not resolve")
        let event = try #require(try await store.timeline(incidentID: id).last)
        #expect(event.kind == .acknowledged)
        #expect(event.detail == "acknowledged by alice: looking at the disk")
        #expect(try await store.incident(id: id)?.acknowledgedBy == "alice", "stored, not just returned")

        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder.operatorEncoder.encode(incident)) as? [String: Any])
        #expect(json["acknowledged_by"] as? String == "alice")
        #expect(json["cluster"] as? String == "default")
        #expect(json["acknowledged_at"] is String)

        await #expect(throws: NotFoundError.self) { try await store.acknowledgeIncident(id: 99, by: "bob", note: nil, at: at) }
    }

    @Test(arguments: StoreKind.allCases) func resolvingByHandResolvesTheMembersAndAPersistingViolationReopensIt(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        let down = Violation.fake("node-down", "node:n2")
        let opened = try await tick(store, 0, [down])
        let id = try #require(opened.incidentsOpened.first)

        let resolved = try await store.resolveIncident(id: id, at: t0.addingTimeInterval(10), note: "replaced the disk")
        #expect(resolved.status == .resolved)
        #expect(resolved.resolvedAt == t0.addingTimeInterval(10))
        let ticket = try #require(try await store.tickets(TicketFilter(incidentID: id)).first)
        #expect(ticket.status == .resolved)
        let kinds = try await store.timeline(incidentID: id).map(\.kind)
        #expect(kinds.filter { $0 == .manuallyResolved }.count == 2, "one line for the ticket, one for the incident: \(kinds)")
        // Resolving again changes nothing.
        #expect(try await store.resolveIncident(id: id, at: t0.addingTimeInterval(11), note: nil).resolvedAt == t0.addingTimeInterval(10))

        let next = try await tick(store, 15, [down])
        #expect(next.reopened.map(\.id) == [ticket.id], "the violation persists: the ticket reopens")
        #expect(next.opened.isEmpty)
        #expect(try await store.incident(id: id)?.status == .open, "and so does its incident")
        #expect(try await store.incidents(.all).count == 1)

        await #expect(throws: NotFoundError.self) { try await store.resolveIncident(id: 42, at: t0, note: nil) }
    }
}
