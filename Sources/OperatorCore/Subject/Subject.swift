import Foundation

/// A kind of cluster Operator can watch. A subject module implements this and registers a
/// ``SubjectRegistration``; the core never names a subject.
public protocol Subject: Sendable {
    associatedtype Snapshot: SubjectSnapshot
    associatedtype Knowledge: DiagnosisKnowledge<Snapshot>

    /// The name users type after `--subject`.
    var name: String { get }

    /// Observes the cluster once. Throws, with a message naming the endpoint and the cause, when the
    /// cluster cannot be observed at all; partial failures (say, metrics unavailable) belong in the snapshot.
    func observe() async throws -> Snapshot

    /// The invariants checked on every snapshot.
    var invariants: [any Invariant<Snapshot>] { get }

    /// What the subject knows about diagnosing its own failures.
    var knowledge: Knowledge { get }

    /// Long-lived per-node streams whose loss makes the monitor look now rather than at the next interval;
    /// `nil` (the default) when the subject offers none.
    var liveness: (any LivenessSource)? { get }
}

extension Subject {
    public var liveness: (any LivenessSource)? { nil }
}

/// What a subject saw in one observation. Encodable for `status --json`; the core never looks inside.
public protocol SubjectSnapshot: Sendable, Encodable {
    var observedAt: Date { get }
    /// Human lines for `operator status`, one per node or fact.
    func statusLines() -> [String]
}

/// A property that should hold on every snapshot, such as "every store is up".
public protocol Invariant<Snapshot>: Sendable {
    associatedtype Snapshot: SubjectSnapshot

    /// Stable id (`store-down`); part of the ticket's deduplication key, so never rename one lightly.
    var id: String { get }
    var severity: Severity { get }
    /// One line saying what the invariant checks.
    var summary: String { get }

    /// Every violation in the snapshot, each naming the entity it concerns.
    func evaluate(_ snapshot: Snapshot) -> [Violation]

    /// Why the snapshot does not allow a verdict (for example, its metrics source was down), or `nil`.
    /// An invariant that cannot be evaluated neither opens nor auto-resolves tickets on that tick.
    func unavailableReason(in snapshot: Snapshot) -> String?

    /// When the invariant is unavailable because a data source failed (an API path or metrics server that
    /// errored, timed out or answered garbage): that failure, naming the source's URL. `nil` when it is
    /// unavailable for a benign reason — warm-up (a rate needs two samples), no traffic, not configured.
    /// A source failure makes the verdict "unknown" even for a non-critical invariant; see ``Verdict``.
    func failedSource(in snapshot: Snapshot) -> String?
}

extension Invariant {
    public func unavailableReason(in snapshot: Snapshot) -> String? { nil }
    public func failedSource(in snapshot: Snapshot) -> String? { nil }

    /// A violation of this invariant, carrying its id and severity.
    public func violation(
        on entity: Entity, _ message: String, excerpt: JSONValue = .null, severity: Severity? = nil
    ) -> Violation {
        Violation(invariant: id, entity: entity, severity: severity ?? self.severity, message: message, excerpt: excerpt)
    }
}

/// The result of checking every invariant of a subject against one snapshot.
public struct Evaluation<Snapshot: SubjectSnapshot>: Sendable {
    public var snapshot: Snapshot
    public var violations: [Violation]
    /// Ids of invariants that gave a verdict on this snapshot.
    public var evaluated: Set<String>
    /// Invariants that could not give a verdict, with the reason.
    public var skipped: [String: String]
    /// Ids of skipped invariants whose severity is critical, sorted.
    public var skippedCritical: [String] = []
    /// Source failures behind skipped invariants (each names its URL), sorted, without repeats.
    public var failedSources: [String] = []

    /// Whether part of the cluster went unseen: a critical invariant was skipped, or a data source failed.
    /// Invariants skipped only for want of samples (warm-up, no traffic) do not make an evaluation blind.
    public var isBlind: Bool { !skippedCritical.isEmpty || !failedSources.isEmpty }

    public var verdict: Verdict {
        if !violations.isEmpty { return .violations }
        return isBlind ? .unknown : .healthy
    }
}

/// What one evaluation says about the cluster as a whole.
///
/// The rule: violations win (something is wrong whatever else is unseen); otherwise the cluster is
/// `unknown` when any critical invariant could not be evaluated or any invariant could not be evaluated
/// because a data source failed; otherwise `healthy`. Never "healthy" when blind.
public enum Verdict: String, Sendable, Codable, Equatable {
    case healthy
    case violations
    case unknown
}

extension Subject {
    /// Checks every invariant against a snapshot, in declaration order, without storing anything.
    public func evaluate(_ snapshot: Snapshot) -> Evaluation<Snapshot> {
        var violations: [Violation] = []
        var evaluated: Set<String> = []
        var skipped: [String: String] = [:]
        var skippedCritical: [String] = []
        var failedSources: Set<String> = []
        for invariant in invariants {
            if let reason = invariant.unavailableReason(in: snapshot) {
                skipped[invariant.id] = reason
                if invariant.severity == .critical { skippedCritical.append(invariant.id) }
                if let source = invariant.failedSource(in: snapshot) { failedSources.insert(source) }
                continue
            }
            evaluated.insert(invariant.id)
            violations += invariant.evaluate(snapshot)
        }
        return Evaluation(
            snapshot: snapshot, violations: violations, evaluated: evaluated, skipped: skipped,
            skippedCritical: skippedCritical.sorted(), failedSources: failedSources.sorted())
    }

    /// Observes once and evaluates: what `operator check` does.
    public func check() async throws -> Evaluation<Snapshot> {
        evaluate(try await observe())
    }

    /// The invariants as plain descriptions, for listings.
    public var invariantDescriptions: [InvariantDescription] {
        invariants.map { InvariantDescription(id: $0.id, severity: $0.severity, summary: $0.summary) }
    }
}

public struct InvariantDescription: Sendable, Codable, Equatable {
    public var id: String
    public var severity: Severity
    public var summary: String
}
