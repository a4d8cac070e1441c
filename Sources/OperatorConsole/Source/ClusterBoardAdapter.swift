import Foundation
import OperatorCore

/// The monitors' status board is where `operator serve` reads each cluster's latest tick.
extension ClusterStatusBoard: ConsoleTickStatuses {
    public func tickStatus(ofCluster cluster: String) async -> ConsoleTickStatus? {
        status(cluster: cluster).map(ConsoleTickStatus.init)
    }
}

extension ConsoleTickStatus {
    public init(_ s: ClusterTickStatus) {
        self.init(
            cluster: s.cluster, subject: s.subject, tick: s.tick, startedAt: s.startedAt, durationMs: s.durationMs,
            evaluated: s.evaluated, skipped: s.skipped, violations: s.violations, error: s.error,
            degradedReason: s.degradedReason, state: ConsoleClusterState(s.state))
    }
}

extension ConsoleClusterState {
    public init(_ state: ClusterTickStatus.State) {
        switch state {
        case .healthy: self = .healthy
        case .degraded: self = .degraded
        case .unobservable: self = .unobservable
        }
    }
}
