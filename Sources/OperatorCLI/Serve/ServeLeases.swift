import Foundation
import Logging
import OperatorCore
import ServiceLifecycle

/// `serve`'s work as leased roles: each cluster's services under `cluster:NAME` (counted, so clusters
/// spread across replicas) and the outbox's delivery under `outbox` (one replica delivers). A single
/// replica takes every lease on its first round, before any monitor starts, so it runs what serve always ran.
enum ServeLeases {
    struct Replica {
        var name: String
        var duration: Duration
    }

    static func coordinator(
        replica: Replica, clusters: [ServedClusterServices], delivery: (any Service)?, store: any LeaseStore,
        board: ClusterStatusBoard, logger: Logger
    ) -> LeaseCoordinator {
        var roles = clusters.map { served in
            let name = served.cluster.name
            let services = served.services
            return LeasedRole(lease: LeaseName.cluster(name), shared: true, fence: served.fence) {
                do {
                    try await runTogether(services)
                } catch {
                    await board.forget(cluster: name)
                    throw error
                }
                await board.forget(cluster: name)
            }
        }
        if let delivery {
            roles.append(LeasedRole(lease: LeaseName.outbox, shared: false) { try await delivery.run() })
        }
        var configuration = LeaseCoordinator.Configuration(replica: replica.name, duration: replica.duration)
        configuration.holderIsGone = ReplicaOptions.isGoneLocalReplica
        return LeaseCoordinator(store: store, roles: roles, configuration: configuration, logger: logger)
    }

    /// Runs the services side by side until all return; the first to fail cancels the others.
    static func runTogether(_ services: [any Service]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in services { group.addTask { try await service.run() } }
            try await group.waitForAll()
        }
    }
}
