import Foundation
import OperatorCore
import OperatorTestSupport

/// A real store with one incident opened, diagnosed and resolved by the production paths.
struct OutboxFixture {
    let directory: TemporaryDirectory
    let store: SQLiteTicketStore
    // In the past: rows are due from the moment of the change that queued them.
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    init(routes: [NotificationRoute]) async throws {
        directory = try TemporaryDirectory(prefix: "operator-notify")
        store = try SQLiteTicketStore(path: directory.file("operator.db"))
        try await store.registerNotificationRoutes(routes)
    }

    func tick(_ second: Double, _ violations: [Violation]) async throws -> TickOutcome {
        try await store.record(
            TickFindings(subject: "fake", at: t0.addingTimeInterval(second), violations: violations, evaluated: ["node-down"], cluster: "prod"),
            policy: TicketPolicy(resolveAfterAbsentTicks: 1))
    }

    /// Opens, diagnoses and resolves one incident on node:n2; returns its id.
    func incidentLife() async throws -> Int64 {
        let down = Violation(invariant: "node-down", entity: "node:n2", severity: .critical, message: "node n2 is down")
        guard let id = try await tick(0, [down]).incidentsOpened.first else { throw TestServerError(message: "no incident opened") }
        let ticket = try await store.tickets(TicketFilter(incidentID: id))
        let context = DiagnosisContext(
            subject: "fake", incident: ContextIncident(id: id, rootEntity: "node:n2", rootInvariant: "node-down", title: "node n2 is down"),
            tickets: ticket.map { ContextTicket($0) }, otherOpenTickets: [], taxonomy: [], evidence: DiagnosisEvidence(), builtAt: t0)
        try await store.recordDiagnosis(Self.diagnosis, context: context, incidentID: id, at: t0.addingTimeInterval(1))
        _ = try await tick(2, [])
        return id
    }

    static let diagnosis = Diagnosis(
        summary: "node n2 is down and its peers answer", observation: "node-down on node:n2",
        rootCause: .init(category: "node-down", entity: "node:n2", explanation: "the process on n2 stopped"), confidence: 0.9,
        evidence: [
            .init(signal: "node.up", queryOrSource: "fake", value: "false", expected: "true"),
            .init(signal: "peers.up", queryOrSource: "fake", value: "2 of 3"),
            .init(signal: "leader", queryOrSource: "fake", value: "n1"),
            .init(signal: "fourth", queryOrSource: "fake", value: "not shown in chat"),
        ],
        alternatives: [], recommendedActions: [], diagnoser: "test")

    func cleanup() { directory.remove() }
}
