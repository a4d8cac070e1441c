import Foundation

/// One broken invariant on one entity, as seen in one snapshot.
public struct Violation: Sendable, Hashable, Codable {
    /// Stable id of the invariant that found it (`store-down`); part of the ticket's deduplication key.
    public var invariant: String
    public var entity: Entity
    public var severity: Severity
    /// One line an on-call engineer can act on.
    public var message: String
    /// The part of the snapshot that proves the violation, kept on the ticket.
    public var excerpt: JSONValue

    public init(invariant: String, entity: Entity, severity: Severity, message: String, excerpt: JSONValue = .null) {
        self.invariant = invariant
        self.entity = entity
        self.severity = severity
        self.message = message
        self.excerpt = excerpt
    }

    public var key: ViolationKey { ViolationKey(invariant: invariant, entity: entity) }
}

/// Identifies a violation across ticks within one subject: the invariant and the entity.
public struct ViolationKey: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    public var invariant: String
    public var entity: Entity

    public init(invariant: String, entity: Entity) {
        self.invariant = invariant
        self.entity = entity
    }

    public var description: String { "\(invariant)@\(entity)" }

    public static func < (a: ViolationKey, b: ViolationKey) -> Bool {
        a.entity == b.entity ? a.invariant < b.invariant : a.entity < b.entity
    }
}

/// The invariant the monitor reports when a subject cannot be observed at all.
public enum ObservationFailure {
    public static let invariantID = "observation-failed"
}

/// The invariant the monitor reports when a subject was observed but part of it went unseen for several
/// consecutive ticks: a critical invariant had no verdict, or a data source failed (`Evaluation.isBlind`).
/// `observation-failed` is "could not observe at all"; this one is "observed, but blind in part". Both
/// sit on entity `cluster` and clear on the first tick with full sight.
public enum ObservationDegraded {
    public static let invariantID = "observation-degraded"
}
