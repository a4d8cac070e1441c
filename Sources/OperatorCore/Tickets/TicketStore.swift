import Foundation

/// Durable record of tickets, incidents, diagnoses and monitor heartbeats.
///
/// `record(_:policy:)` is the heart: one tick's findings applied atomically, so two monitors writing the
/// same database never duplicate a ticket and a crash mid-tick loses nothing that was committed.
public protocol TicketStore: Sendable {
    /// Where the store is, for logs and messages: a file path or a URL without its password.
    var displayLocation: String { get }
    /// Applies one tick: deduplicates, reopens, auto-resolves, groups into incidents.
    func record(_ findings: TickFindings, policy: TicketPolicy) async throws -> TickOutcome
    func recordHeartbeat(_ heartbeat: Heartbeat) async throws
    /// Applies one tick's findings and writes its heartbeat in one transaction: both land, or neither
    /// does. The heartbeat's `openTickets` is filled in from the tickets as this tick leaves them.
    func recordTick(_ findings: TickFindings, heartbeat: Heartbeat, policy: TicketPolicy) async throws -> TickOutcome
    /// The newest heartbeats first; `cluster`/`subject` nil = all.
    func heartbeats(cluster: String?, subject: String?, limit: Int) async throws -> [Heartbeat]

    func tickets(_ filter: TicketFilter) async throws -> [Ticket]
    func ticket(id: Int64) async throws -> Ticket?
    /// Resolves by hand. If the violation persists, the next tick reopens the ticket.
    func resolveTicket(id: Int64, at: Date, note: String) async throws -> Ticket

    func incidents(_ filter: IncidentFilter) async throws -> [Incident]
    /// How many incidents `filter` matches (its `limit` ignored), without loading them: the API and the
    /// console count open incidents per cluster on every request.
    func incidentCount(_ filter: IncidentFilter) async throws -> Int
    func incident(id: Int64) async throws -> Incident?
    func timeline(incidentID: Int64) async throws -> [TimelineEvent]
    func timeline(ticketID: Int64) async throws -> [TimelineEvent]
    /// Someone took the incident: records who, when and their note (timeline `acknowledged`).
    /// Unknown id → `NotFoundError`.
    func acknowledgeIncident(id: Int64, by: String, note: String?, at: Date) async throws -> Incident
    /// Resolves the incident and its open member tickets by hand (timeline `manually-resolved`). A violation
    /// that persists reopens its ticket, and so the incident, on the next tick. Unknown id → `NotFoundError`.
    func resolveIncident(id: Int64, at: Date, note: String?) async throws -> Incident

    /// Leases up to `limit` incidents awaiting diagnosis (all of `ids` when given, regardless of status and
    /// cluster), so concurrent runners never diagnose the same one twice. Without `ids`, only incidents of
    /// `cluster` (nil: any cluster), so one runner per cluster can share a database.
    func claimIncidentsForDiagnosis(ids: [Int64]?, cluster: String?, limit: Int, lease: Duration, now: Date) async throws
        -> [Incident]
    /// Stores a diagnosis with the exact context it was made from; marks the context's tickets diagnosed.
    /// `reason` says why an incident that already had a diagnosis was diagnosed again (its timeline shows it).
    func recordDiagnosis(_ diagnosis: Diagnosis, context: DiagnosisContext, incidentID: Int64, at: Date, reason: String?)
        async throws
    /// The incident keeps its diagnosis: the evidence did not change materially (`EvidenceChange`). The
    /// context's tickets count as diagnosed by it and the timeline records `reason`.
    func recordDiagnosisSkipped(_ reason: String, context: DiagnosisContext, incidentID: Int64, at: Date) async throws
    /// Records why diagnosis failed; tickets stay `created` and the incident is retried after `retryAt`.
    func recordDiagnosisFailure(_ message: String, incidentID: Int64, at: Date, retryAt: Date) async throws
    /// The context of the incident's latest diagnosis, for replay.
    func diagnosisContext(incidentID: Int64) async throws -> DiagnosisContext?
    /// The size in bytes of that context as stored (its JSON), without decoding it; `nil` when the incident
    /// has no diagnosis context.
    func diagnosisContextBytes(incidentID: Int64) async throws -> Int?
    /// A number that changes whenever anyone (this process or another) commits a change, so a reader can
    /// keep what it derived from the data until the next commit. `nil`: this store cannot tell, and
    /// nothing may be kept.
    func dataVersion() async throws -> Int64?

    // MARK: Notifications out (the outbox)

    /// Makes `routes` the receivers every later incident change is queued for (replacing the registered set);
    /// rows already queued stay.
    func registerNotificationRoutes(_ routes: [NotificationRoute]) async throws
    /// Rows of `receiver` not yet sent whose next attempt is due at `now`, oldest first; a row waits while an
    /// earlier row of its incident is pending, so each incident's events arrive in order.
    func dueNotifications(receiver: String, now: Date, limit: Int) async throws -> [OutboxNotification]
    func markNotificationSent(id: Int64, at: Date) async throws
    /// The attempt failed: the row stays pending with `error` (redacted by the caller) and waits until `nextAttemptAt`.
    func markNotificationFailed(id: Int64, error: String, at: Date, nextAttemptAt: Date) async throws
    /// Outbox rows, newest first.
    func notifications(_ filter: NotificationFilter) async throws -> [OutboxNotification]
    /// Re-drives a row: pending again, due at `now`, attempts counted from zero. Unknown id → `NotFoundError`.
    func retryNotification(id: Int64, now: Date) async throws -> OutboxNotification
    /// Rows per receiver and state.
    func notificationCounts() async throws -> [NotificationCounts]
}

extension TicketStore {
    public var displayLocation: String { "\(type(of: self))" }

    public func heartbeats(subject: String?, limit: Int) async throws -> [Heartbeat] {
        try await heartbeats(cluster: nil, subject: subject, limit: limit)
    }

    /// Claims across every cluster (a single-cluster caller, `operator diagnose --incident N`).
    public func claimIncidentsForDiagnosis(ids: [Int64]?, limit: Int, lease: Duration, now: Date) async throws -> [Incident] {
        try await claimIncidentsForDiagnosis(ids: ids, cluster: nil, limit: limit, lease: lease, now: now)
    }

    public func recordDiagnosis(_ diagnosis: Diagnosis, context: DiagnosisContext, incidentID: Int64, at: Date) async throws {
        try await recordDiagnosis(diagnosis, context: context, incidentID: incidentID, at: at, reason: nil)
    }

    /// For stores that keep the context decoded: its JSON encoded again, measured.
    public func diagnosisContextBytes(incidentID: Int64) async throws -> Int? {
        try await diagnosisContext(incidentID: incidentID).map { try JSONEncoder.operatorEncoder.encode($0).count }
    }

    /// Stores that cannot tell when their data changed: nothing derived from them is kept.
    public func dataVersion() async throws -> Int64? { nil }

    /// For stores without a count of their own: loads the matching incidents and counts them.
    public func incidentCount(_ filter: IncidentFilter) async throws -> Int {
        var unlimited = filter
        unlimited.limit = nil
        return try await incidents(unlimited).count
    }
}

/// What one monitor tick found.
public struct TickFindings: Sendable {
    /// The configured cluster observed; tickets are deduplicated per cluster.
    public var cluster: String
    public var subject: String
    public var at: Date
    public var violations: [Violation]
    /// Invariants that gave a verdict this tick. Open tickets of other invariants are left alone:
    /// "not evaluated" is not "healthy".
    public var evaluated: Set<String>
    /// Which violation explains which, from the subject's causal knowledge.
    public var causalLinks: [CausalLink]

    public init(
        subject: String, at: Date, violations: [Violation], evaluated: Set<String>, causalLinks: [CausalLink] = [],
        cluster: String = ClusterName.default
    ) {
        self.cluster = cluster
        self.subject = subject
        self.at = at
        self.violations = violations
        self.evaluated = evaluated
        self.causalLinks = causalLinks
    }
}

/// How tickets and incidents age.
public struct TicketPolicy: Sendable, Equatable {
    /// A ticket resolves after its violation was absent this many consecutive evaluated ticks.
    public var resolveAfterAbsentTicks: Int
    /// Invariants whose tickets resolve on the first clean tick (observation failures and degraded
    /// observation clear at once).
    public var resolveImmediately: Set<String>
    /// A recurrence within this long after an incident resolved reopens it instead of opening a new one.
    public var incidentReopenWindow: Duration
    /// When an incident is flapping and how it settles.
    public var flapping: FlapPolicy

    public init(
        resolveAfterAbsentTicks: Int = 3, resolveImmediately: Set<String> = [ObservationFailure.invariantID, ObservationDegraded.invariantID],
        incidentReopenWindow: Duration = .seconds(600), flapping: FlapPolicy = FlapPolicy()
    ) {
        self.resolveAfterAbsentTicks = max(1, resolveAfterAbsentTicks)
        self.resolveImmediately = resolveImmediately
        self.incidentReopenWindow = incidentReopenWindow
        self.flapping = flapping
    }
}

/// Flap damping: a fault that comes and goes should not resolve, reopen and re-diagnose its incident on
/// every cycle (each cycle a paid model call with a model diagnoser).
///
/// An incident is *flapping* once one of its member tickets has recurred (resolved, then violated again)
/// `threshold` times within `window`. From then on its tickets are held open while their violation comes
/// and goes — each recurrence only counts — and the incident carries `flapping_since` and `flap_count`
/// (the recurrences of its most-recurring member).
/// A held ticket resolves once its violation has been absent for `settle` (and at least the usual
/// resolve-after ticks); when all have, the incident resolves and stops flapping.
public struct FlapPolicy: Sendable, Equatable {
    /// Recurrences within `window` that make an incident flapping.
    public var threshold: Int
    public var window: Duration
    /// Quiet time after which a flapping incident's tickets resolve.
    public var settle: Duration

    public init(threshold: Int = 3, window: Duration = .seconds(1800), settle: Duration = .seconds(300)) {
        self.threshold = max(1, threshold)
        self.window = window
        self.settle = settle
    }
}

extension TicketStore {
    /// For stores without a transaction spanning both: findings first, then the heartbeat.
    public func recordTick(_ findings: TickFindings, heartbeat: Heartbeat, policy: TicketPolicy) async throws
        -> TickOutcome
    {
        var outcome = try await record(findings, policy: policy)
        let open = try await tickets(
            TicketFilter(statuses: [.created, .diagnosed], subject: findings.subject, cluster: findings.cluster)
        ).count
        outcome.openTickets = open
        var beat = heartbeat
        beat.openTickets = open
        try await recordHeartbeat(beat)
        return outcome
    }
}

/// What changed in the store on one tick.
public struct TickOutcome: Sendable, Equatable {
    /// Open tickets of the cluster's subject once the tick was applied, where the store counted them.
    public var openTickets: Int?
    public var opened: [Ticket] = []
    public var reopened: [Ticket] = []
    public var updated: [Ticket] = []
    public var resolved: [Ticket] = []
    public var incidentsOpened: [Int64] = []
    public var incidentsResolved: [Int64] = []

    public init() {}
}

/// One monitor tick, kept so operators can see the loop is alive and how long ticks take.
public struct Heartbeat: Sendable, Codable, Equatable {
    public var cluster: String
    public var subject: String
    public var tick: Int
    public var startedAt: Date
    /// Time spent observing and evaluating (the write is in the same transaction as this row, so not timed).
    public var durationMs: Int
    public var violations: Int
    public var openTickets: Int
    public var error: String?

    public init(
        subject: String, tick: Int, startedAt: Date, durationMs: Int, violations: Int, openTickets: Int,
        error: String?, cluster: String = ClusterName.default
    ) {
        self.cluster = cluster
        self.subject = subject
        self.tick = tick
        self.startedAt = startedAt
        self.durationMs = durationMs
        self.violations = violations
        self.openTickets = openTickets
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case cluster, subject, tick
        case startedAt = "started_at"
        case durationMs = "duration_ms"
        case violations
        case openTickets = "open_tickets"
        case error
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        cluster = try c.decodeIfPresent(String.self, forKey: .cluster) ?? ClusterName.default
        subject = try c.decode(String.self, forKey: .subject)
        tick = try c.decode(Int.self, forKey: .tick)
        startedAt = try c.decode(Date.self, forKey: .startedAt)
        durationMs = try c.decode(Int.self, forKey: .durationMs)
        violations = try c.decode(Int.self, forKey: .violations)
        openTickets = try c.decode(Int.self, forKey: .openTickets)
        error = try c.decodeIfPresent(String.self, forKey: .error)
    }
}

/// Which tickets to list. Oldest (lowest id) first, unless `newestFirst` or `beforeID` is set.
public struct TicketFilter: Sendable {
    public var statuses: Set<TicketStatus>?
    public var subject: String?
    public var incidentID: Int64?
    public var limit: Int?
    /// Only this cluster's tickets; nil = every cluster.
    public var cluster: String?
    /// Cursor: only tickets with an id below this one, newest (highest id) first.
    public var beforeID: Int64?
    /// Newest (highest id) first; implied by `beforeID`.
    public var newestFirst: Bool

    public init(
        statuses: Set<TicketStatus>? = nil, subject: String? = nil, incidentID: Int64? = nil, limit: Int? = nil,
        cluster: String? = nil, beforeID: Int64? = nil, newestFirst: Bool = false
    ) {
        self.statuses = statuses
        self.subject = subject
        self.incidentID = incidentID
        self.limit = limit
        self.cluster = cluster
        self.beforeID = beforeID
        self.newestFirst = newestFirst
    }

    public static let all = TicketFilter()
    public static let open = TicketFilter(statuses: [.created, .diagnosed])
}

/// Which incidents to list. Oldest (lowest id) first, unless `newestFirst` or `beforeID` is set.
public struct IncidentFilter: Sendable {
    public var statuses: Set<IncidentStatus>?
    public var subject: String?
    public var includeMerged: Bool
    public var limit: Int?
    /// Only this cluster's incidents; nil = every cluster.
    public var cluster: String?
    /// Cursor: only incidents with an id below this one, newest (highest id) first.
    public var beforeID: Int64?
    /// Newest (highest id) first; implied by `beforeID`.
    public var newestFirst: Bool

    public init(
        statuses: Set<IncidentStatus>? = nil, subject: String? = nil, includeMerged: Bool = false, limit: Int? = nil,
        cluster: String? = nil, beforeID: Int64? = nil, newestFirst: Bool = false
    ) {
        self.statuses = statuses
        self.subject = subject
        self.includeMerged = includeMerged
        self.limit = limit
        self.cluster = cluster
        self.beforeID = beforeID
        self.newestFirst = newestFirst
    }

    public static let all = IncidentFilter()
}

/// A ticket or incident id that does not exist.
public struct NotFoundError: Error, CustomStringConvertible {
    public let what: String
    public let id: Int64
    public let path: String

    public init(what: String, id: Int64, path: String) {
        self.what = what
        self.id = id
        self.path = path
    }

    public var description: String {
        "no \(what) #\(id) in \(path); list them with `operator \(Self.listCommand(what)) list`"
    }

    private static func listCommand(_ what: String) -> String {
        switch what {
        case "incident": "incidents"
        case "notification": "notifications"
        default: "tickets"
        }
    }
}
