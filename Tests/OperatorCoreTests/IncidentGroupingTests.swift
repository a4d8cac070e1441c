import Foundation
import OperatorCore
import Testing

@Suite("Incident grouping")
struct IncidentGroupingTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let evaluated: Set<String> = ["node-down", "quorum-lost", "latency-high"]

    func tick(_ store: any TicketStore, _ second: Double, _ violations: [Violation], links: [CausalLink] = [],
              policy: TicketPolicy = TicketPolicy()) async throws -> TickOutcome
    {
        try await store.record(
            TickFindings(subject: "fake", at: t0.addingTimeInterval(second), violations: violations, evaluated: evaluated, causalLinks: links),
            policy: policy)
    }

    let down1 = Violation.fake("node-down", "node:n1")
    let down2 = Violation.fake("node-down", "node:n2")
    let quorum = Violation.fake("quorum-lost", .cluster)
    let slow3 = Violation.fake("latency-high", "node:n3", .warning)
    func explains(_ c: Violation, _ e: Violation) -> CausalLink { CausalLink(cause: c.key, effect: e.key, reason: "\(c.entity) is down") }

    @Test(arguments: StoreKind.allCases) func violationsExplainedByOneRootShareOneIncident(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        _ = try await tick(store, 0, [down1, down2, quorum], links: [explains(down1, quorum), explains(down2, quorum)])
        let incidents = try await store.incidents(IncidentFilter(statuses: [.open]))
        // n1 and n2 are independent roots; quorum-lost joins the first root's incident.
        #expect(incidents.count == 2)
        let withQuorum = try #require(incidents.first { $0.ticketIDs.count == 2 })
        #expect(withQuorum.rootEntity == "node:n1")
        #expect(withQuorum.rootInvariant == "node-down")
    }

    @Test(arguments: StoreKind.allCases) func anUnexplainedViolationStartsItsOwnIncident(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        _ = try await tick(store, 0, [down1, slow3])
        let incidents = try await store.incidents(.all)
        #expect(Set(incidents.map(\.rootEntity)) == ["node:n1", "node:n3"])
        #expect(incidents.allSatisfy { $0.ticketIDs.count == 1 })
    }

    @Test(arguments: StoreKind.allCases) func aLaterRootAbsorbsTheIncidentOfAViolationItExplains(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        _ = try await tick(store, 0, [slow3])  // the symptom is seen first
        _ = try await tick(store, 5, [slow3, down1], links: [explains(down1, slow3)])
        let open = try await store.incidents(IncidentFilter(statuses: [.open]))
        #expect(open.count == 1)
        let incident = try #require(open.first)
        #expect(incident.rootEntity == "node:n1")
        #expect(incident.ticketIDs.count == 2)
        let merged = try await store.incidents(IncidentFilter(includeMerged: true)).filter { $0.mergedInto != nil }
        #expect(merged.map(\.mergedInto) == [incident.id])
        #expect(try await store.timeline(incidentID: incident.id).contains { $0.kind == .merged })
    }

    @Test(arguments: StoreKind.allCases) func anIncidentResolvesWhenAllItsTicketsResolveAndReopensWithinTheWindow(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        let policy = TicketPolicy(resolveAfterAbsentTicks: 1, incidentReopenWindow: .seconds(60))
        let opened = try await tick(store, 0, [down1, quorum], links: [explains(down1, quorum)], policy: policy)
        let incidentID = try #require(opened.incidentsOpened.first)
        let cleared = try await tick(store, 5, [], policy: policy)
        #expect(cleared.incidentsResolved == [incidentID])
        #expect(try await store.incident(id: incidentID)?.status == .resolved)

        _ = try await tick(store, 30, [down1], policy: policy)  // within 60 s: same incident
        let reopened = try #require(try await store.incident(id: incidentID))
        #expect(reopened.status == .open)
        #expect(reopened.reopenCount == 1)

        _ = try await tick(store, 35, [], policy: policy)
        _ = try await tick(store, 500, [down1], policy: policy)  // long after: a new incident
        let all = try await store.incidents(.all)
        #expect(all.count == 2)
        #expect(all.last?.status == .open)
        #expect(try await store.tickets(.all).first { $0.entity == "node:n1" }?.incidentID == all.last?.id)
    }

    @Test(arguments: StoreKind.allCases) func aTicketJoiningAfterDiagnosisReopensTheIncidentForDiagnosis(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        let first = try await tick(store, 0, [down1])
        let ticket = try #require(first.opened.first)
        let incidentID = try #require(ticket.incidentID)
        let context = DiagnosisContext(
            subject: "fake", incident: ContextIncident(id: incidentID, rootEntity: "node:n1", rootInvariant: "node-down", title: ""),
            tickets: [ContextTicket(ticket)], otherOpenTickets: [], taxonomy: [], evidence: DiagnosisEvidence(), builtAt: t0)
        try await store.recordDiagnosis(sampleDiagnosis(entity: "node:n1"), context: context, incidentID: incidentID, at: t0)
        #expect(try await store.incident(id: incidentID)?.status == .diagnosed)

        _ = try await tick(store, 5, [down1, quorum], links: [explains(down1, quorum)])
        let incident = try #require(try await store.incident(id: incidentID))
        #expect(incident.ticketIDs.count == 2)
        #expect(incident.status == .open, "the new member has not been diagnosed yet")
        let statuses = try await store.tickets(TicketFilter(incidentID: incidentID)).map(\.status)
        #expect(statuses.sorted { $0.rawValue < $1.rawValue } == [.created, .diagnosed])
    }

    /// A fault's after-effect often shows once the fault itself is no longer seen (a resumed process's long
    /// fsync): a link naming the fault's ticket as cause groups it there, whether that ticket is still open
    /// or resolved within the reopen window; a cause no ticket ever had is ignored.
    @Test(arguments: StoreKind.allCases) func anAfterEffectJoinsTheIncidentOfItsNoLongerViolatedCause(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        let policy = TicketPolicy(resolveAfterAbsentTicks: 1, incidentReopenWindow: .seconds(60))
        let opened = try await tick(store, 0, [down1], policy: policy)
        let incidentID = try #require(opened.incidentsOpened.first)
        _ = try await tick(store, 5, [], policy: policy)
        #expect(try await store.incident(id: incidentID)?.status == .resolved)

        // n1 is back; its slow-looking aftermath names the resolved node-down ticket as its cause.
        let slow1 = Violation.fake("latency-high", "node:n1", .warning)
        _ = try await tick(store, 10, [slow1], links: [explains(down1, slow1)], policy: policy)
        let incident = try #require(try await store.incident(id: incidentID))
        #expect(incident.status == .open, "reopened for its after-effect")
        #expect(incident.ticketIDs.count == 2)
        #expect(try await store.incidents(IncidentFilter(statuses: [.open])).count == 1)

        // A cause that never had a ticket does not group anything.
        let slow3Alone = try await tick(store, 12, [slow1, slow3], links: [explains(down2, slow3)], policy: policy)
        #expect(slow3Alone.incidentsOpened.count == 1, "slow3 opens its own incident")
        #expect(try await store.incidents(IncidentFilter(statuses: [.open])).count == 2)
    }
}
