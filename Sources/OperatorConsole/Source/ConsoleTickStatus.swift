import Foundation

/// A cluster's latest completed tick, as the console needs it: the monitor's `ClusterTickStatus` in the
/// console's own terms (see `ClusterBoardAdapter.swift` for the mapping).
public struct ConsoleTickStatus: Sendable, Equatable {
    public var cluster: String
    public var subject: String
    public var tick: Int
    public var startedAt: Date
    public var durationMs: Int
    /// Invariants that gave a verdict.
    public var evaluated: [String]
    /// Invariants without a verdict, with the reason.
    public var skipped: [String: String]
    public var violations: Int
    public var error: String?
    public var degradedReason: String?
    public var state: ConsoleClusterState

    public init(
        cluster: String, subject: String, tick: Int, startedAt: Date, durationMs: Int, evaluated: [String],
        skipped: [String: String], violations: Int, error: String? = nil, degradedReason: String? = nil,
        state: ConsoleClusterState
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
}

/// Where the latest tick of each cluster is published (the monitors' status board in `operator serve`).
public protocol ConsoleTickStatuses: Sendable {
    func tickStatus(ofCluster cluster: String) async -> ConsoleTickStatus?
}
