import Foundation

/// What a subject contributes to diagnosis: the categories it diagnoses into, which violation explains
/// which, the evidence worth gathering, and deterministic rules for the offline diagnoser.
public protocol DiagnosisKnowledge<Snapshot>: Sendable {
    associatedtype Snapshot: SubjectSnapshot

    /// Root-cause categories a diagnosis of this subject may name.
    var taxonomy: [DiagnosisCategory] { get }

    /// Correlation rules the offline diagnoser runs over a ``DiagnosisContext``. They see only the context,
    /// so a stored context replays to the same result.
    var rules: [DiagnosisRule] { get }

    /// Which of the current violations explains which other (a down node explains the degraded
    /// replication of data that lived on it). Violations nothing explains become incident roots.
    func causalLinks(among violations: [Violation], in snapshot: Snapshot) -> [CausalLink]

    /// Facts, metric windows, topology and log events around an incident. `snapshot` is the latest
    /// observation when the caller has one; otherwise the subject observes for itself. Never throws:
    /// what cannot be gathered is said in `notes`.
    func gatherEvidence(for request: EvidenceRequest, snapshot: Snapshot?) async -> DiagnosisEvidence

    /// A short digest of the evidence facts that would change this subject's diagnosis (which node is
    /// down, which disk is full), leaving out values that drift on every observation (rates, latencies).
    /// When it differs from the last diagnosis's, a recurring incident is diagnosed again (`EvidenceChange`).
    /// `nil`, the default, means the subject defines none: only tickets, root and severity then count.
    func evidenceFingerprint(_ evidence: DiagnosisEvidence) -> String?

    /// The entity an alert from the user's own alerting (Alertmanager's webhook) is about, from its labels
    /// (typically `instance`, the scraped or probed address) and the latest snapshot when there is one
    /// (addresses live there). `cluster`, the default, when nothing maps: the labels stay in the ticket's
    /// excerpt. Alert tickets (invariant `alert:<alertname>`) join incidents through `causalLinks`, which
    /// sees open alert tickets beside the tick's violations.
    func alertEntity(labels: [String: String], in snapshot: Snapshot?) -> Entity
}

extension DiagnosisKnowledge {
    public func causalLinks(among violations: [Violation], in snapshot: Snapshot) -> [CausalLink] { [] }
    public func evidenceFingerprint(_ evidence: DiagnosisEvidence) -> String? { nil }
    public func alertEntity(labels: [String: String], in snapshot: Snapshot?) -> Entity { .cluster }
}

/// One category of a subject's diagnosis taxonomy (`node-down`, `disk-full`, …).
public struct DiagnosisCategory: Sendable, Codable, Hashable {
    public var id: String
    public var summary: String

    public init(_ id: String, _ summary: String) {
        self.id = id
        self.summary = summary
    }
}

/// `cause` explains `effect`; both are violations of the same tick.
public struct CausalLink: Sendable, Codable, Hashable {
    public var cause: ViolationKey
    public var effect: ViolationKey
    public var reason: String

    public init(cause: ViolationKey, effect: ViolationKey, reason: String) {
        self.cause = cause
        self.effect = effect
        self.reason = reason
    }
}

/// What to gather evidence for.
public struct EvidenceRequest: Sendable {
    public var rootEntity: Entity
    public var tickets: [ContextTicket]
    /// Metric windows should cover this interval (by default from a few minutes before the first
    /// ticket's first_seen until now).
    public var window: DateInterval

    public init(rootEntity: Entity, tickets: [ContextTicket], window: DateInterval) {
        self.rootEntity = rootEntity
        self.tickets = tickets
        self.window = window
    }
}
