import Foundation

/// What one monitor tick did, for callers that watch the loop (the demo's timeline, tests).
public struct TickReport: Sendable {
    public var tick: Int
    public var startedAt: Date
    public var duration: Duration
    public var violations: [Violation]
    /// Invariants that could not be evaluated, with the reason.
    public var skipped: [String: String]
    /// What changed in the ticket store; `nil` when the store could not be written.
    public var outcome: TickOutcome?
    /// Why observation or recording failed, if it did.
    public var error: String?
    public var nextDelay: Duration
}
