import Foundation
import OperatorCore

/// The last tick of every served cluster, published by each cluster's monitor (`onTick`) and read by
/// `/api/v1/clusters` and `/readyz`. A cluster without a row has not completed a tick yet.
public actor ClusterTickBoard {
    private var latest: [String: ClusterTick] = [:]

    public init() {}

    public func publish(cluster: String, report: TickReport, invariants: [String]) {
        latest[cluster] = ClusterTick(cluster: cluster, report: report, invariants: invariants)
    }

    public func tick(of cluster: String) -> ClusterTick? { latest[cluster] }
    public func ticks() -> [String: ClusterTick] { latest }
}

/// One cluster's last completed tick.
public struct ClusterTick: Sendable, Equatable {
    public enum State: String, Sendable, Codable, CaseIterable {
        /// Every invariant gave a verdict and none is violated.
        case healthy
        /// Violations, or part of the cluster could not be seen.
        case degraded
        /// The tick could not observe the cluster at all.
        case unobservable
        /// No tick has completed yet.
        case pending
    }

    public var tick: Int
    public var startedAt: Date
    public var durationMs: Int
    public var evaluated: [String]
    public var skipped: [String: String]
    public var violations: Int
    public var error: String?
    public var degraded: String?
    public var state: State

    init(cluster: String, report: TickReport, invariants: [String]) {
        tick = report.tick
        startedAt = report.startedAt
        let ms = report.duration.components.seconds * 1000 + report.duration.components.attoseconds / 1_000_000_000_000_000
        durationMs = Int(clamping: ms)
        skipped = report.skipped
        violations = report.violations.count
        error = report.error
        degraded = report.degraded
        // A tick that could not observe evaluated nothing; otherwise every invariant not skipped gave a verdict.
        let observed = !report.violations.contains { $0.invariant == ObservationFailure.invariantID }
        evaluated = observed ? invariants.filter { report.skipped[$0] == nil } : []
        state =
            if !observed { .unobservable }
            else if report.degraded != nil || !report.violations.isEmpty || !report.skipped.isEmpty { .degraded }
            else { .healthy }
    }
}
