import Foundation
import GRDB
import OperatorCore
import Prometheus
import Testing

/// The notification outbox: rows written in the incident change's own transaction, one per subscribed
/// receiver, keyed by incident + event + sequence; what delivery marks and `operator notifications` reads.
@Suite("Notification outbox")
struct OutboxTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let evaluated: Set<String> = ["node-down"]

    func tick(_ store: any TicketStore, _ second: Double, _ violations: [Violation]) async throws -> TickOutcome {
        try await store.recordTick(
            TickFindings(subject: "fake", at: t0.addingTimeInterval(second), violations: violations, evaluated: evaluated),
            heartbeat: Heartbeat(subject: "fake", tick: Int(second), startedAt: t0.addingTimeInterval(second), durationMs: 1, violations: violations.count, openTickets: 0, error: nil),
            policy: TicketPolicy(resolveAfterAbsentTicks: 1))
    }

    func diagnose(_ store: any TicketStore, incident id: Int64, at second: Double) async throws {
        let ticket = try #require(try await store.tickets(TicketFilter(incidentID: id)).first)
        let context = DiagnosisContext(
            subject: "fake", incident: ContextIncident(id: id, rootEntity: "node:n2", rootInvariant: "node-down", title: "t"),
            tickets: [ContextTicket(ticket)], otherOpenTickets: [], taxonomy: [], evidence: DiagnosisEvidence(), builtAt: t0)
        try await store.recordDiagnosis(sampleDiagnosis(), context: context, incidentID: id, at: t0.addingTimeInterval(second))
    }

    @Test(arguments: StoreKind.allCases) func anIncidentsLifeIsQueuedForEachSubscribedReceiver(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        try await store.registerNotificationRoutes([
            NotificationRoute(receiver: "am", events: Set(NotificationEvent.allCases)),
            NotificationRoute(receiver: "chat", events: [.diagnosed, .resolved]),
        ])
        let opened = try await tick(store, 0, [.fake("node-down", "node:n2")])
        let id = try #require(opened.incidentsOpened.first)
        try await diagnose(store, incident: id, at: 1)
        let resolved = try await tick(store, 2, [])
        #expect(resolved.incidentsResolved == [id])

        let am = try await store.notifications(NotificationFilter(receiver: "am")).reversed()
        #expect(am.map(\.event) == [.opened, .diagnosed, .resolved])
        let chat = try await store.notifications(NotificationFilter(receiver: "chat")).reversed()
        #expect(chat.map(\.event) == [.diagnosed, .resolved], "chat did not subscribe to opened")
        // One key per event, the same for every receiver, built from incident, event and the timeline's sequence.
        for row in am {
            #expect(row.idempotencyKey == "incident-\(id)-\(row.event.rawValue)-\(row.sequence)")
            #expect(row.status == .pending && row.attempts == 0 && row.incidentID == id && row.cluster == "default")
        }
        #expect(Set(am.map(\.idempotencyKey)).count == 3)
        #expect(Set(chat.map(\.idempotencyKey)).isSubset(of: Set(am.map(\.idempotencyKey))))
        #expect(am.map(\.sequence) == am.map(\.sequence).sorted(), "sequence orders an incident's events")
        // The sequence is the timeline event that caused the row.
        let events = try await contract.query("SELECT id || ':' || kind FROM event WHERE incident_id = \(id) AND ticket_id IS NULL ORDER BY id")
        for row in am { #expect(events.contains("\(row.sequence):\(row.event.rawValue)")) }
    }

    @Test(arguments: StoreKind.allCases) func resolvingByHandAndReopeningAreQueued(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        try await store.registerNotificationRoutes([NotificationRoute(receiver: "hook", events: Set(NotificationEvent.allCases))])
        let id = try #require(try await tick(store, 0, [.fake("node-down", "node:n2")]).incidentsOpened.first)
        _ = try await store.resolveIncident(id: id, at: t0.addingTimeInterval(1), note: "fixed")
        _ = try await tick(store, 2, [.fake("node-down", "node:n2")])
        #expect(try await store.incident(id: id)?.status == .open, "recurred within the window: reopened")
        let rows = try await store.notifications(NotificationFilter(incidentID: id)).reversed()
        #expect(rows.map(\.event) == [.opened, .resolved, .reopened])
    }

    @Test(arguments: StoreKind.allCases) func noRegisteredReceiverMeansNoRows(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        _ = try await tick(store, 0, [.fake("node-down", "node:n2")])
        #expect(try await store.notifications(NotificationFilter()).isEmpty)
        #expect(try await store.notificationCounts().isEmpty)
    }

    /// The rows are part of the change: when the outbox insert fails, the incident is not opened either.
    @Test(arguments: StoreKind.allCases) func theRowsShareTheIncidentChangesTransaction(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        try await store.registerNotificationRoutes([NotificationRoute(receiver: "hook", events: [.opened])])
        switch kind {
        case .sqlite:
            _ = try await contract.query("CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'outbox refused'); END")
        case .postgres:
            _ = try await contract.query(
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'outbox refused'; END $$ LANGUAGE plpgsql")
            _ = try await contract.query("CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION refuse()")
        }
        await #expect(throws: (any Error).self) { _ = try await tick(store, 0, [.fake("node-down", "node:n2")]) }
        #expect(try await store.incidents(.all).isEmpty, "the incident rolled back with its notification")
        #expect(try await store.tickets(.all).isEmpty)
        #expect(try await store.heartbeats(cluster: nil, subject: nil, limit: 10).isEmpty)

        _ = try await contract.query(kind == .sqlite ? "DROP TRIGGER refuse_outbox" : "DROP TRIGGER refuse_outbox ON outbox")
        let id = try #require(try await tick(store, 1, [.fake("node-down", "node:n2")]).incidentsOpened.first)
        #expect(try await store.notifications(NotificationFilter()).map(\.incidentID) == [id])
    }

    @Test(arguments: StoreKind.allCases) func failedAttemptsStayPendingWithTheirErrorUntilRetried(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        try await store.registerNotificationRoutes([
            NotificationRoute(receiver: "down", events: [.opened]), NotificationRoute(receiver: "up", events: [.opened]),
        ])
        _ = try await tick(store, 0, [.fake("node-down", "node:n1")])
        _ = try await tick(store, 1, [.fake("node-down", "node:n1"), .fake("node-down", "node:n2")])
        let now = t0.addingTimeInterval(10)
        let due = try await store.dueNotifications(receiver: "down", now: now, limit: 10)
        #expect(due.count == 2)
        let first = try #require(due.first)
        try await store.markNotificationFailed(id: first.id, error: "HTTP 503", at: now, nextAttemptAt: now.addingTimeInterval(60))
        #expect(try await store.dueNotifications(receiver: "down", now: now, limit: 10).map(\.id) == [due[1].id], "waits out its backoff")
        let up = try await store.dueNotifications(receiver: "up", now: now, limit: 10)
        for row in up { try await store.markNotificationSent(id: row.id, at: now) }

        let failed = try await store.notifications(NotificationFilter(status: .failed))
        #expect(failed.map(\.id) == [first.id])
        #expect(failed.first?.lastError == "HTTP 503" && failed.first?.attempts == 1 && failed.first?.status == .pending)
        #expect(try await store.notifications(NotificationFilter(status: .sent)).count == 2)
        #expect(try await store.notifications(NotificationFilter(status: .pending)).count == 2)
        #expect(
            try await store.notificationCounts() == [
                NotificationCounts(receiver: "down", pending: 2, failing: 1, sent: 0),
                NotificationCounts(receiver: "up", pending: 0, failing: 0, sent: 2),
            ])

        let retried = try await store.retryNotification(id: first.id, now: now)
        #expect(retried.attempts == 0 && retried.nextAttemptAt == now && retried.status == .pending)
        #expect(try await store.dueNotifications(receiver: "down", now: now, limit: 10).count == 2)
        await #expect(throws: NotFoundError.self) { _ = try await store.retryNotification(id: 9999, now: now) }
    }

    @Test func backoffDoublesUpToItsCap() {
        let backoff = DeliveryBackoff(base: .seconds(2), cap: .seconds(30))
        #expect((1...6).map { backoff.delay(afterFailures: $0) } == [.seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(30), .seconds(30)])
        #expect(backoff.delay(afterFailures: 10_000) == .seconds(30), "no overflow however many failures")
        #expect(backoff.delay(afterFailures: 0) == .seconds(2))
    }

    @Test func receiverURLsLoseTheirSecretsForLogs() {
        #expect(NotificationURLText.redacted("https://user:pw@am.example:9093/api?token=abc") == "https://[REDACTED]@am.example:9093/api?…")
        #expect(NotificationURLText.redacted("https://hooks.slack.com/services/T0/B0/XYZ", hidePath: true) == "https://hooks.slack.com/…")
        #expect(NotificationURLText.redacted("http://127.0.0.1:9093") == "http://127.0.0.1:9093")
    }
}

extension OutboxTests {
    /// A pending row holds back its own incident's later rows, never another incident's.
    @Test(arguments: StoreKind.allCases) func anIncidentsRowsGoInOrderWithoutHoldingBackOthers(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        try await store.registerNotificationRoutes([NotificationRoute(receiver: "hook", events: Set(NotificationEvent.allCases))])
        let first = try #require(try await tick(store, 0, [.fake("node-down", "node:n1")]).incidentsOpened.first)
        let second = try #require(try await tick(store, 1, [.fake("node-down", "node:n1"), .fake("node-down", "node:n2")]).incidentsOpened.first)
        _ = try await tick(store, 2, [])  // both resolve: each incident has opened + resolved
        let now = t0.addingTimeInterval(10)
        let due = try await store.dueNotifications(receiver: "hook", now: now, limit: 10)
        #expect(due.map(\.incidentID) == [first, second], "only each incident's first row: \(due.map(\.idempotencyKey))")
        #expect(due.allSatisfy { $0.event == .opened })
        let blocked = try #require(due.first)
        try await store.markNotificationFailed(id: blocked.id, error: "refused", at: now, nextAttemptAt: now.addingTimeInterval(60))
        try await store.markNotificationSent(id: due[1].id, at: now)
        let next = try await store.dueNotifications(receiver: "hook", now: now, limit: 10)
        #expect(next.map(\.incidentID) == [second], "the failing incident's resolved row waits; the other's goes")
        #expect(next.first?.event == .resolved)
    }
}


extension OutboxTests {
    /// What /metrics shows: rows per receiver and state from the database, attempts from this process.
    @Test(arguments: StoreKind.allCases) func metricsCountTheOutboxByReceiverAndState(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        try await store.registerNotificationRoutes([
            NotificationRoute(receiver: "up", events: [.opened]), NotificationRoute(receiver: "down", events: [.opened]),
        ])
        _ = try await store.record(
            TickFindings(subject: "fake", at: Date(), violations: [.fake("node-down", "node:n1")], evaluated: evaluated), policy: TicketPolicy())
        let registry = PrometheusCollectorRegistry()
        let service = NotificationDeliveryService(
            store: store, receivers: [AcceptingReceiver(name: "up"), RefusingReceiver(name: "down")],
            metricsFactory: PrometheusMetricsFactory(registry: registry))
        #expect(await service.deliverDue(to: AcceptingReceiver(name: "up")) == 1)
        #expect(await service.deliverDue(to: RefusingReceiver(name: "down")) == 0)
        await service.publishCounts()
        let text = registry.emitToString()
        #expect(text.contains(#"operator_notifications{receiver="up",status="sent"} 1"#), "\(text)")
        #expect(text.contains(#"operator_notifications{receiver="down",status="pending"} 1"#))
        #expect(text.contains(#"operator_notifications{receiver="down",status="failed"} 1"#))
        #expect(text.contains(#"operator_notification_attempts_total{receiver="down",result="failed"} 1"#))
        let failed = try #require(try await store.notifications(NotificationFilter(status: .failed)).first)
        #expect(failed.lastError == "refused by the test double" && failed.nextAttemptAt > failed.createdAt)
    }
}

/// Receivers that only answer yes or no: the store, the service and the metrics around them are real.
struct AcceptingReceiver: NotificationReceiver {
    let name: String
    var redactedTarget: String { "test://accepting" }
    func deliver(_ payload: NotificationPayload) async throws {}
}

struct RefusingReceiver: NotificationReceiver {
    struct Refused: Error, CustomStringConvertible { var description: String { "refused by the test double" } }
    let name: String
    var redactedTarget: String { "test://refusing" }
    func deliver(_ payload: NotificationPayload) async throws { throw Refused() }
}
