import Foundation

/// Where an incident is: `open` (some member awaits diagnosis) → `diagnosed` → `resolved`.
public enum IncidentStatus: String, Codable, Sendable, CaseIterable {
    case open
    case diagnosed
    case resolved

    public var isOpen: Bool { self != .resolved }
}

/// Tickets that share one root cause, grouped by the subject's causal knowledge.
///
/// The root entity is the entity of the root ticket: the violation nothing else explains.
public struct Incident: Sendable, Codable, Equatable, Identifiable {
    public var id: Int64
    /// The configured cluster its tickets were seen on (`default` for a single-cluster operator).
    public var cluster: String
    public var subject: String
    public var rootEntity: Entity
    /// Invariant of the root ticket (`store-down` on `store:2`).
    public var rootInvariant: String
    public var status: IncidentStatus
    public var severity: Severity
    public var title: String
    public var openedAt: Date
    public var updatedAt: Date
    public var resolvedAt: Date?
    public var ticketIDs: [Int64]
    public var diagnosis: Diagnosis?
    public var diagnosisError: String?
    /// Failed diagnosis attempts since the last success (drives retry backoff).
    public var diagnosisAttempts: Int
    public var reopenCount: Int
    /// Set when a later root turned out to explain this incident and absorbed it.
    public var mergedInto: Int64?
    /// Set while the incident is flapping (see `FlapPolicy`): its tickets are held open until the fault
    /// has been quiet for the settle period.
    public var flappingSince: Date?
    /// Recurrences of its most-recurring member, from the ones that made it flapping on; kept after it settles.
    public var flapCount: Int
    /// Who acknowledged it (by hand, through the API or the console) and when; `nil` until someone does.
    public var acknowledgedBy: String?
    public var acknowledgedAt: Date?

    public var isFlapping: Bool { flappingSince != nil }

    public init(
        id: Int64, subject: String, rootEntity: Entity, rootInvariant: String, status: IncidentStatus,
        severity: Severity, title: String, openedAt: Date, updatedAt: Date, resolvedAt: Date? = nil,
        ticketIDs: [Int64] = [], diagnosis: Diagnosis? = nil, diagnosisError: String? = nil, diagnosisAttempts: Int = 0,
        reopenCount: Int = 0,
        mergedInto: Int64? = nil, flappingSince: Date? = nil, flapCount: Int = 0, cluster: String = ClusterName.default,
        acknowledgedBy: String? = nil, acknowledgedAt: Date? = nil
    ) {
        self.id = id
        self.cluster = cluster
        self.acknowledgedBy = acknowledgedBy
        self.acknowledgedAt = acknowledgedAt
        self.subject = subject
        self.rootEntity = rootEntity
        self.rootInvariant = rootInvariant
        self.status = status
        self.severity = severity
        self.title = title
        self.openedAt = openedAt
        self.updatedAt = updatedAt
        self.resolvedAt = resolvedAt
        self.ticketIDs = ticketIDs
        self.diagnosis = diagnosis
        self.diagnosisError = diagnosisError
        self.diagnosisAttempts = diagnosisAttempts
        self.reopenCount = reopenCount
        self.mergedInto = mergedInto
        self.flappingSince = flappingSince
        self.flapCount = flapCount
    }

    enum CodingKeys: String, CodingKey {
        case id, cluster, subject
        case rootEntity = "root_entity"
        case rootInvariant = "root_invariant"
        case status, severity, title
        case openedAt = "opened_at"
        case updatedAt = "updated_at"
        case resolvedAt = "resolved_at"
        case ticketIDs = "ticket_ids"
        case diagnosis
        case diagnosisError = "diagnosis_error"
        case diagnosisAttempts = "diagnosis_attempts"
        case reopenCount = "reopen_count"
        case mergedInto = "merged_into"
        case flapping
        case flappingSince = "flapping_since"
        case flapCount = "flap_count"
        case acknowledgedBy = "acknowledged_by"
        case acknowledgedAt = "acknowledged_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int64.self, forKey: .id)
        // Absent in JSON written before clusters existed: the one cluster, `default`.
        cluster = try c.decodeIfPresent(String.self, forKey: .cluster) ?? ClusterName.default
        subject = try c.decode(String.self, forKey: .subject)
        rootEntity = try c.decode(Entity.self, forKey: .rootEntity)
        rootInvariant = try c.decode(String.self, forKey: .rootInvariant)
        status = try c.decode(IncidentStatus.self, forKey: .status)
        severity = try c.decode(Severity.self, forKey: .severity)
        title = try c.decode(String.self, forKey: .title)
        openedAt = try c.decode(Date.self, forKey: .openedAt)
        updatedAt = try c.decode(Date.self, forKey: .updatedAt)
        resolvedAt = try c.decodeIfPresent(Date.self, forKey: .resolvedAt)
        ticketIDs = try c.decode([Int64].self, forKey: .ticketIDs)
        diagnosis = try c.decodeIfPresent(Diagnosis.self, forKey: .diagnosis)
        diagnosisError = try c.decodeIfPresent(String.self, forKey: .diagnosisError)
        diagnosisAttempts = try c.decode(Int.self, forKey: .diagnosisAttempts)
        reopenCount = try c.decode(Int.self, forKey: .reopenCount)
        mergedInto = try c.decodeIfPresent(Int64.self, forKey: .mergedInto)
        // Absent in JSON written before flap damping existed.
        flappingSince = try c.decodeIfPresent(Date.self, forKey: .flappingSince)
        flapCount = try c.decodeIfPresent(Int.self, forKey: .flapCount) ?? 0
        acknowledgedBy = try c.decodeIfPresent(String.self, forKey: .acknowledgedBy)
        acknowledgedAt = try c.decodeIfPresent(Date.self, forKey: .acknowledgedAt)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(cluster, forKey: .cluster)
        try c.encode(subject, forKey: .subject)
        try c.encode(rootEntity, forKey: .rootEntity)
        try c.encode(rootInvariant, forKey: .rootInvariant)
        try c.encode(status, forKey: .status)
        try c.encode(severity, forKey: .severity)
        try c.encode(title, forKey: .title)
        try c.encode(openedAt, forKey: .openedAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(resolvedAt, forKey: .resolvedAt)
        try c.encode(ticketIDs, forKey: .ticketIDs)
        try c.encode(diagnosis, forKey: .diagnosis)
        try c.encode(diagnosisError, forKey: .diagnosisError)
        try c.encode(diagnosisAttempts, forKey: .diagnosisAttempts)
        try c.encode(reopenCount, forKey: .reopenCount)
        try c.encode(mergedInto, forKey: .mergedInto)
        try c.encode(isFlapping, forKey: .flapping)
        try c.encode(flappingSince, forKey: .flappingSince)
        try c.encode(flapCount, forKey: .flapCount)
        try c.encode(acknowledgedBy, forKey: .acknowledgedBy)
        try c.encode(acknowledgedAt, forKey: .acknowledgedAt)
    }
}

/// One line of a ticket's or incident's history.
public struct TimelineEvent: Sendable, Codable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case opened, reopened, joined, merged, diagnosed, diagnosisFailed = "diagnosis-failed", resolved
        case manuallyResolved = "manually-resolved"
        /// Re-diagnosis not paid for: the incident's evidence has not changed materially.
        case diagnosisSkipped = "diagnosis-skipped"
        case flapping
        /// Someone took it (by hand): who and their note are in the detail.
        case acknowledged
    }

    public var at: Date
    public var kind: Kind
    public var ticketID: Int64?
    public var incidentID: Int64?
    public var detail: String

    public init(at: Date, kind: Kind, ticketID: Int64?, incidentID: Int64?, detail: String) {
        self.at = at
        self.kind = kind
        self.ticketID = ticketID
        self.incidentID = incidentID
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case at, kind
        case ticketID = "ticket_id"
        case incidentID = "incident_id"
        case detail
    }
}
