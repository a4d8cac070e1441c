import Foundation

/// One outbox row: an incident event owed to one receiver. Delivered at least once; the receiver dedupes by
/// `idempotencyKey` (incident id + event + sequence, the same for every receiver).
public struct OutboxNotification: Sendable, Codable, Equatable {
    public enum Status: String, Codable, Sendable {
        /// Not delivered yet; `lastError` says why the latest attempt failed, if one did.
        case pending
        case sent
    }

    public var id: Int64
    public var incidentID: Int64
    public var cluster: String
    public var event: NotificationEvent
    /// The timeline event's id: increases with every change of any incident, so it orders an incident's events.
    public var sequence: Int64
    public var receiver: String
    public var idempotencyKey: String
    public var createdAt: Date
    public var status: Status
    public var attempts: Int
    public var lastError: String?
    public var nextAttemptAt: Date
    public var sentAt: Date?

    public init(
        id: Int64, incidentID: Int64, cluster: String, event: NotificationEvent, sequence: Int64, receiver: String,
        idempotencyKey: String, createdAt: Date, status: Status, attempts: Int, lastError: String?, nextAttemptAt: Date,
        sentAt: Date?
    ) {
        self.id = id
        self.incidentID = incidentID
        self.cluster = cluster
        self.event = event
        self.sequence = sequence
        self.receiver = receiver
        self.idempotencyKey = idempotencyKey
        self.createdAt = createdAt
        self.status = status
        self.attempts = attempts
        self.lastError = lastError
        self.nextAttemptAt = nextAttemptAt
        self.sentAt = sentAt
    }

    /// `incident-12-opened-345`: the same event gets the same key on every attempt and every receiver.
    public static func idempotencyKey(incidentID: Int64, event: NotificationEvent, sequence: Int64) -> String {
        "incident-\(incidentID)-\(event.rawValue)-\(sequence)"
    }

    /// Pending after at least one failed attempt: what `--status failed` lists.
    public var isFailing: Bool { status == .pending && lastError != nil }

    enum CodingKeys: String, CodingKey {
        case id
        case incidentID = "incident_id"
        case cluster, event, sequence, receiver
        case idempotencyKey = "idempotency_key"
        case createdAt = "created_at"
        case status, attempts
        case lastError = "last_error"
        case nextAttemptAt = "next_attempt_at"
        case sentAt = "sent_at"
    }
}

/// Which outbox rows to list, newest first.
public struct NotificationFilter: Sendable {
    public enum Status: String, Sendable, CaseIterable {
        case pending, sent
        /// Pending rows whose latest attempt failed.
        case failed
    }

    public var status: Status?
    public var receiver: String?
    public var incidentID: Int64?
    public var limit: Int?

    public init(status: Status? = nil, receiver: String? = nil, incidentID: Int64? = nil, limit: Int? = nil) {
        self.status = status
        self.receiver = receiver
        self.incidentID = incidentID
        self.limit = limit
    }
}

/// Outbox rows per receiver and state, for /metrics.
public struct NotificationCounts: Sendable, Equatable {
    public var receiver: String
    public var pending: Int
    /// Pending rows whose latest attempt failed (also counted in `pending`).
    public var failing: Int
    public var sent: Int

    public init(receiver: String, pending: Int, failing: Int, sent: Int) {
        self.receiver = receiver
        self.pending = pending
        self.failing = failing
        self.sent = sent
    }
}
