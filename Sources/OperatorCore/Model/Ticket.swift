import Foundation

/// Where a ticket is in its life: `created` → `diagnosed` → `resolved`, and back to `created` on recurrence.
public enum TicketStatus: String, Codable, Sendable, CaseIterable {
    case created
    case diagnosed
    case resolved

    public var isOpen: Bool { self != .resolved }
}

/// One deduplicated problem: cluster + subject + invariant + entity, however many ticks it lasted.
public struct Ticket: Sendable, Codable, Equatable, Identifiable {
    public var id: Int64
    /// The configured cluster it was seen on (`default` for a single-cluster operator).
    public var cluster: String
    public var subject: String
    public var invariant: String
    public var entity: Entity
    public var severity: Severity
    public var status: TicketStatus
    public var message: String
    public var firstSeen: Date
    public var lastSeen: Date
    /// Ticks on which the violation was seen, over the ticket's whole life.
    public var occurrences: Int
    public var resolvedAt: Date?
    /// Diagnosis of the incident this ticket belongs to (one diagnosis serves every member ticket).
    public var diagnosis: Diagnosis?
    /// The snapshot excerpt that proved the violation when the ticket (re)opened.
    public var snapshotExcerpt: JSONValue
    public var incidentID: Int64?
    /// The last diagnosis failure, if the latest attempt failed; the ticket stays `created`.
    public var diagnosisError: String?
    /// Times the ticket came back after being resolved.
    public var reopenCount: Int
    /// Times it recurred from the ones that made its incident flapping on (then it is held open instead of
    /// resolving between recurrences; see `FlapPolicy`).
    public var flapCount: Int

    public init(
        id: Int64, subject: String, invariant: String, entity: Entity, severity: Severity, status: TicketStatus,
        message: String, firstSeen: Date, lastSeen: Date, occurrences: Int, resolvedAt: Date? = nil,
        diagnosis: Diagnosis? = nil, snapshotExcerpt: JSONValue = .null, incidentID: Int64? = nil,
        diagnosisError: String? = nil, reopenCount: Int = 0, flapCount: Int = 0, cluster: String = ClusterName.default
    ) {
        self.id = id
        self.cluster = cluster
        self.subject = subject
        self.invariant = invariant
        self.entity = entity
        self.severity = severity
        self.status = status
        self.message = message
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.occurrences = occurrences
        self.resolvedAt = resolvedAt
        self.diagnosis = diagnosis
        self.snapshotExcerpt = snapshotExcerpt
        self.incidentID = incidentID
        self.diagnosisError = diagnosisError
        self.reopenCount = reopenCount
        self.flapCount = flapCount
    }

    public var key: ViolationKey { ViolationKey(invariant: invariant, entity: entity) }

    enum CodingKeys: String, CodingKey {
        case id, cluster, subject, invariant, entity, severity, status, message
        case firstSeen = "first_seen"
        case lastSeen = "last_seen"
        case occurrences
        case resolvedAt = "resolved_at"
        case diagnosis
        case snapshotExcerpt = "snapshot_excerpt"
        case incidentID = "incident_id"
        case diagnosisError = "diagnosis_error"
        case reopenCount = "reopen_count"
        case flapCount = "flap_count"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int64.self, forKey: .id)
        // Absent in JSON written before clusters existed: those tickets belong to the one cluster, `default`.
        cluster = try c.decodeIfPresent(String.self, forKey: .cluster) ?? ClusterName.default
        subject = try c.decode(String.self, forKey: .subject)
        invariant = try c.decode(String.self, forKey: .invariant)
        entity = try c.decode(Entity.self, forKey: .entity)
        severity = try c.decode(Severity.self, forKey: .severity)
        status = try c.decode(TicketStatus.self, forKey: .status)
        message = try c.decode(String.self, forKey: .message)
        firstSeen = try c.decode(Date.self, forKey: .firstSeen)
        lastSeen = try c.decode(Date.self, forKey: .lastSeen)
        occurrences = try c.decode(Int.self, forKey: .occurrences)
        resolvedAt = try c.decodeIfPresent(Date.self, forKey: .resolvedAt)
        diagnosis = try c.decodeIfPresent(Diagnosis.self, forKey: .diagnosis)
        snapshotExcerpt = try c.decodeIfPresent(JSONValue.self, forKey: .snapshotExcerpt) ?? .null
        incidentID = try c.decodeIfPresent(Int64.self, forKey: .incidentID)
        diagnosisError = try c.decodeIfPresent(String.self, forKey: .diagnosisError)
        reopenCount = try c.decodeIfPresent(Int.self, forKey: .reopenCount) ?? 0
        flapCount = try c.decodeIfPresent(Int.self, forKey: .flapCount) ?? 0
    }

    public func encode(to encoder: any Encoder) throws {
        // Optional fields are written as null rather than left out: `tickets list --json` has a fixed shape.
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(cluster, forKey: .cluster)
        try c.encode(subject, forKey: .subject)
        try c.encode(invariant, forKey: .invariant)
        try c.encode(entity, forKey: .entity)
        try c.encode(severity, forKey: .severity)
        try c.encode(status, forKey: .status)
        try c.encode(message, forKey: .message)
        try c.encode(firstSeen, forKey: .firstSeen)
        try c.encode(lastSeen, forKey: .lastSeen)
        try c.encode(occurrences, forKey: .occurrences)
        try c.encode(resolvedAt, forKey: .resolvedAt)
        try c.encode(diagnosis, forKey: .diagnosis)
        try c.encode(snapshotExcerpt, forKey: .snapshotExcerpt)
        try c.encode(incidentID, forKey: .incidentID)
        try c.encode(diagnosisError, forKey: .diagnosisError)
        try c.encode(reopenCount, forKey: .reopenCount)
        try c.encode(flapCount, forKey: .flapCount)
    }
}
