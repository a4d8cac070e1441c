import Foundation

/// Gathers what a diagnosis of one incident needs: its tickets (root first), the other open tickets, the
/// subject's taxonomy and evidence — then redacts secrets and bounds the size.
public struct DiagnosisContextBuilder<Knowledge: DiagnosisKnowledge>: Sendable {
    public var subject: String
    public var knowledge: Knowledge
    public var store: any TicketStore
    public var redactor: Redactor
    public var budget: ContextBudget
    /// How far before the first violation metric windows reach.
    public var lookback: Duration

    public init(
        subject: String, knowledge: Knowledge, store: any TicketStore, redactor: Redactor = .fromEnvironment(),
        budget: ContextBudget = ContextBudget(), lookback: Duration = .seconds(600)
    ) {
        self.subject = subject
        self.knowledge = knowledge
        self.store = store
        self.redactor = redactor
        self.budget = budget
        self.lookback = lookback
    }

    public func build(for incident: Incident, snapshot: Knowledge.Snapshot?, now: Date = Date()) async throws
        -> DiagnosisContext
    {
        let members = try await store.tickets(TicketFilter(incidentID: incident.id))
        // Root first, then open before resolved, then oldest first.
        let ordered = members.sorted { a, b in
            let ar = a.entity == incident.rootEntity && a.invariant == incident.rootInvariant
            let br = b.entity == incident.rootEntity && b.invariant == incident.rootInvariant
            if ar != br { return ar }
            if a.status.isOpen != b.status.isOpen { return a.status.isOpen }
            return a.firstSeen < b.firstSeen
        }
        let memberIDs = Set(members.map(\.id))
        let others = try await store.tickets(TicketFilter(statuses: [.created, .diagnosed], subject: subject, cluster: incident.cluster))
            .filter { !memberIDs.contains($0.id) }
        let tickets = ordered.map(ContextTicket.init)
        let earliest = tickets.map(\.firstSeen).min() ?? now
        let window = DateInterval(start: earliest.addingTimeInterval(-lookback.seconds), end: max(now, earliest))
        let evidence = await knowledge.gatherEvidence(
            for: EvidenceRequest(rootEntity: incident.rootEntity, tickets: tickets, window: window), snapshot: snapshot)
        let context = DiagnosisContext(
            subject: subject,
            incident: ContextIncident(
                id: incident.id, rootEntity: incident.rootEntity, rootInvariant: incident.rootInvariant,
                title: incident.title),
            tickets: tickets, otherOpenTickets: others.map(ContextTicket.init), taxonomy: knowledge.taxonomy,
            evidence: evidence, builtAt: now)
        return budget.fit(redactor.redact(context))
    }
}
