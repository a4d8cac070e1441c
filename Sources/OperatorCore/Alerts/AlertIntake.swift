import Foundation

/// Turns received alerts into tickets of one cluster: the subject maps each alert's labels to an entity and
/// says, through its causal knowledge, which open ticket explains it, so an alert about a node Operator
/// already found down joins that incident instead of opening a second one.
public struct AlertIntake<Knowledge: DiagnosisKnowledge>: Sendable {
    public var cluster: String
    public var subject: String
    public var knowledge: Knowledge
    public var store: any AlertStore & TicketStore
    /// The monitor's latest observation (addresses of nodes live there); nil before its first tick.
    public var latest: LatestSnapshot<Knowledge.Snapshot>?
    public var policy: TicketPolicy

    public init(
        cluster: String, subject: String, knowledge: Knowledge, store: any AlertStore & TicketStore,
        latest: LatestSnapshot<Knowledge.Snapshot>?, policy: TicketPolicy = TicketPolicy()
    ) {
        self.cluster = cluster
        self.subject = subject
        self.knowledge = knowledge
        self.store = store
        self.latest = latest
        self.policy = policy
    }

    public func receive(_ alerts: [ReceivedAlert], at now: Date = Date()) async throws -> AlertIntakeOutcome {
        let snapshot = await latest?.value
        let items = alerts.map { alert in
            AlertBatch.Item(alert: alert, violation: AlertTicket.violation(alert, on: knowledge.alertEntity(labels: alert.labels, in: snapshot)))
        }
        var links: [CausalLink] = []
        if let snapshot, items.contains(where: { $0.alert.status == .firing }) {
            // The open tickets Operator found itself, as violations beside the alerts: the subject's links
            // say which of them explains which alert.
            let open = try await store.tickets(TicketFilter(statuses: [.created, .diagnosed], subject: subject, cluster: cluster))
                .filter { !AlertTicket.isAlert($0.invariant) }
                .map { AlertTicket.violation($0) }
            let alertKeys = Set(items.map(\.violation.key))
            links = knowledge.causalLinks(among: open + items.map(\.violation), in: snapshot)
                .filter { alertKeys.contains($0.effect) && !alertKeys.contains($0.cause) }
        }
        return try await store.recordAlerts(
            AlertBatch(cluster: cluster, subject: subject, at: now, items: items, causalLinks: links), policy: policy)
    }
}
