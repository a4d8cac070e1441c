import Foundation

/// What one monitor tick did, for callers that watch the loop (the demo's timeline, tests).
public struct TickReport: Sendable {
    public var tick: Int
    public var startedAt: Date
    public var duration: Duration
    public var violations: [Violation]
    /// Invariants that could not be evaluated, with the reason.
    public var skipped: [String: String]
    /// What changed in the ticket store; `nil` when this tick could not be written (yet).
    public var outcome: TickOutcome?
    /// Why observation or recording failed, if it did.
    public var error: String?
    /// What the tick could not see (a failed source, a critical invariant without a verdict), if anything.
    public var degraded: String?
    /// Ticks (this one included) observed but not yet written to the database.
    public var pendingWrites: Int = 0
    public var nextDelay: Duration
    /// Why this tick ran: its turn, or a subject's liveness signal (see ``LivenessSignal``).
    public var trigger: TickTrigger = .schedule
}
