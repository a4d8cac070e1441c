import Foundation

/// How one cluster looked on its monitor's latest tick: what `GET /api/v1/clusters` and the console show.
public struct ClusterTickStatus: Sendable, Codable, Equatable {
    /// Never "healthy" when blind: a tick that could not observe at all is `unobservable`; one that saw
    /// violations, or could not see everything (a critical invariant without a verdict, a failed data
    /// source), is `degraded`; `healthy` only when every critical invariant was evaluated and none failed.
    public enum State: String, Sendable, Codable, CaseIterable {
        case healthy, degraded, unobservable
    }

    public var cluster: String
    public var subject: String
    public var tick: Int
    public var startedAt: Date
    /// The whole tick, observation and write.
    public var durationMs: Int
    /// Invariants that gave a verdict, sorted.
    public var evaluated: [String]
    /// Invariants without a verdict, with the reason.
    public var skipped: [String: String]
    public var violations: Int
    /// Why observing or recording failed, if it did (secrets redacted).
    public var error: String?
    /// What the tick could not see, if anything.
    public var degradedReason: String?
    public var state: State

    public init(
        cluster: String, subject: String, tick: Int, startedAt: Date, durationMs: Int, evaluated: [String],
        skipped: [String: String], violations: Int, error: String?, degradedReason: String?, state: State
    ) {
        self.cluster = cluster
        self.subject = subject
        self.tick = tick
        self.startedAt = startedAt
        self.durationMs = durationMs
        self.evaluated = evaluated
        self.skipped = skipped
        self.violations = violations
        self.error = error
        self.degradedReason = degradedReason
        self.state = state
    }

    /// The state a tick earns: `observed` false means the cluster could not be observed at all.
    public static func state(observed: Bool, blind: Bool, violations: Int) -> State {
        guard observed else { return .unobservable }
        return blind || violations > 0 ? .degraded : .healthy
    }

    enum CodingKeys: String, CodingKey {
        case cluster, subject, tick
        case startedAt = "started_at"
        case durationMs = "duration_ms"
        case evaluated, skipped, violations, error
        case degradedReason = "degraded_reason"
        case state
    }

    public func encode(to encoder: any Encoder) throws {
        // Optional fields are written as null, so the shape is fixed (the API documents it).
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(cluster, forKey: .cluster)
        try c.encode(subject, forKey: .subject)
        try c.encode(tick, forKey: .tick)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(durationMs, forKey: .durationMs)
        try c.encode(evaluated, forKey: .evaluated)
        try c.encode(skipped, forKey: .skipped)
        try c.encode(violations, forKey: .violations)
        try c.encode(error, forKey: .error)
        try c.encode(degradedReason, forKey: .degradedReason)
        try c.encode(state, forKey: .state)
    }
}
