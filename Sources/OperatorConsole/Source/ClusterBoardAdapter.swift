import Foundation
import OperatorCore

/// The monitors' status board is where `operator serve` reads each cluster's latest tick.
extension ClusterStatusBoard: ConsoleTickStatuses {
    public func tickStatus(ofCluster cluster: String) async -> ClusterTickStatus? { status(cluster: cluster) }
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
