import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Sends the outbox: each receiver's due rows in order, with capped exponential backoff between attempts.
///
/// Each receiver has its own loop, so one that fails or hangs never holds the others back. Within a
/// receiver, an incident's rows go in order (a later row waits while an earlier one of its incident is
/// pending: its `opened` never arrives after its `resolved`), and a failure ends the pass (the receiver is
/// probably down; the next pass tries again whatever is due). A row stays pending with its last error until
/// it is sent: a crash at any point loses nothing, and at worst a row is sent twice (the receiver dedupes by
/// idempotency key).
public struct NotificationDeliveryService: Service {
    public struct Configuration: Sendable {
        /// How often each receiver looks for due rows.
        public var pollInterval: Duration
        public var backoff: DeliveryBackoff
        /// Rows sent per receiver per pass.
        public var batchSize: Int
        /// `https://operator.example/` → each payload links `…/incidents/ID`.
        public var consoleBaseURL: String?

        public init(
            pollInterval: Duration = .seconds(1), backoff: DeliveryBackoff = DeliveryBackoff(), batchSize: Int = 50,
            consoleBaseURL: String? = nil
        ) {
            self.pollInterval = pollInterval
            self.backoff = backoff
            self.batchSize = max(1, batchSize)
            self.consoleBaseURL = consoleBaseURL
        }
    }

    let store: any TicketStore
    let receivers: [any NotificationReceiver]
    let configuration: Configuration
    let logger: Logger
    let redactor: Redactor
    let metrics: NotificationMetrics

    public init(
        store: any TicketStore, receivers: [any NotificationReceiver], configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "operator.notify"), redactor: Redactor = .fromEnvironment(),
        metricsFactory: (any MetricsFactory)? = nil
    ) {
        self.store = store
        self.receivers = receivers
        self.configuration = configuration
        self.logger = logger
        self.redactor = redactor
        self.metrics = NotificationMetrics(factory: metricsFactory)
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            for receiver in receivers {
                group.addTask { await self.runLoop(for: receiver) }
            }
        }
    }

    private func runLoop(for receiver: any NotificationReceiver) async {
        var lastRefresh: ContinuousClock.Instant?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await deliverDue(to: receiver)
            if let interval = receiver.refreshInterval,
                lastRefresh.map({ ContinuousClock.now - $0 >= interval }) ?? true
            {
                await refreshOpen(receiver)
                lastRefresh = .now
            }
            await publishCounts()
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.configuration.pollInterval) }
            } catch {
                break
            }
        }
    }

    /// One pass for one receiver: its due rows, oldest first, until none is due or one fails (an incident's
    /// next row becomes due once the one before it is sent, so the pass reads again after each batch).
    /// Returns how many were sent.
    @discardableResult
    public func deliverDue(to receiver: any NotificationReceiver, now: Date = Date()) async -> Int {
        var sent = 0
        while !Task.isCancelled {
            let due: [OutboxNotification]
            do {
                due = try await store.dueNotifications(receiver: receiver.name, now: max(now, Date()), limit: configuration.batchSize)
            } catch {
                logger.warning("notify: cannot read the outbox for \(receiver.name): \(redactor.redact(String(describing: error)))")
                return sent
            }
            if due.isEmpty { return sent }
            for row in due {
                if Task.isCancelled { return sent }
                guard await deliver(row, to: receiver) else { return sent }
                sent += 1
            }
        }
        return sent
    }

    /// One attempt at one row; false when it failed (recorded with its error and next attempt).
    private func deliver(_ row: OutboxNotification, to receiver: any NotificationReceiver) async -> Bool {
        do {
            guard let incident = try await store.incident(id: row.incidentID) else {
                throw NotificationPayloadMissing(incidentID: row.incidentID)
            }
            try await receiver.deliver(try await payload(row, incident))
            try await store.markNotificationSent(id: row.id, at: Date())
            metrics.attempt(receiver: receiver.name, succeeded: true)
            logger.info(
                "notify: sent \(row.idempotencyKey) to \(receiver.name)",
                metadata: ["receiver": "\(receiver.name)", "target": "\(receiver.redactedTarget)"])
            return true
        } catch {
            metrics.attempt(receiver: receiver.name, succeeded: false)
            let message = redactor.redact(String(describing: error))
            let wait = configuration.backoff.delay(afterFailures: row.attempts + 1)
            let failedAt = Date()
            do {
                try await store.markNotificationFailed(
                    id: row.id, error: message, at: failedAt, nextAttemptAt: failedAt.addingTimeInterval(wait.seconds))
            } catch {
                logger.warning("notify: cannot record the failed attempt of \(row.idempotencyKey): \(redactor.redact(String(describing: error)))")
            }
            logger.warning(
                "notify: \(receiver.name) (\(receiver.redactedTarget)) refused \(row.idempotencyKey), attempt \(row.attempts + 1); next in \(DurationText.format(wait)): \(message)"
            )
            // The receiver is probably down: the pass ends; the row's incident's later rows wait behind it.
            return false
        }
    }

    private func refreshOpen(_ receiver: any NotificationReceiver) async {
        do {
            let open = try await store.incidents(IncidentFilter(statuses: [.open, .diagnosed]))
            guard !open.isEmpty else { return }
            var payloads: [NotificationPayload] = []
            for incident in open {
                let row = OutboxNotification(
                    id: 0, incidentID: incident.id, cluster: incident.cluster, event: .opened, sequence: 0, receiver: receiver.name,
                    idempotencyKey: "incident-\(incident.id)-refresh", createdAt: Date(), status: .pending, attempts: 0, lastError: nil,
                    nextAttemptAt: Date(), sentAt: nil)
                payloads.append(try await payload(row, incident))
            }
            try await receiver.refresh(payloads)
        } catch {
            logger.warning("notify: refreshing open incidents at \(receiver.name) failed: \(redactor.redact(String(describing: error)))")
        }
    }

    /// Sets `operator_notifications{receiver, status}` from the database (every process's rows).
    public func publishCounts() async {
        if let counts = try? await store.notificationCounts() { metrics.publish(counts) }
    }

    private func payload(_ row: OutboxNotification, _ incident: Incident) async throws -> NotificationPayload {
        let console = configuration.consoleBaseURL.map { base in
            (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/incidents/\(incident.id)"
        }
        let root = try await store.tickets(TicketFilter(incidentID: incident.id)).first {
            $0.invariant == incident.rootInvariant && $0.entity == incident.rootEntity
        }
        return NotificationPayload(notification: row, incident: incident, consoleURL: console, rootSeverity: root?.severity)
    }
}

/// An outbox row whose incident is gone (the database was edited by hand).
struct NotificationPayloadMissing: Error, CustomStringConvertible {
    let incidentID: Int64
    var description: String { "incident #\(incidentID) is not in the database" }
}
