import Foundation
import OperatorCore

/// Where the latest tick of each cluster is published (the monitors' status board in `operator serve`).
public protocol ConsoleTickStatuses: Sendable {
    func tickStatus(ofCluster cluster: String) async -> ClusterTickStatus?
}
