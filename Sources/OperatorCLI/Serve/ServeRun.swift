import Foundation
import Logging
import OperatorConsole
import OperatorCore
import OperatorServer
import ServiceLifecycle

/// One `operator serve` process: its lease coordinator (which runs the clusters' services and the outbox
/// delivery this replica holds leases for) and the HTTP server in one `ServiceGroup`
/// that owns SIGINT/SIGTERM and stops everything within 2 s, the database intact.
enum ServeRun {
    static func run(
        clusters: [ServedClusterServices], store: CLITicketStore, board: ClusterStatusBoard, access: AccessPolicy,
        listen: APIServer.ListenAddress, logger: Logger, delivery: (any Service)? = nil, replica: ServeLeases.Replica? = nil
    ) async throws {
        // With a replica, the clusters' services and the outbox run under leases in the coordinator;
        // without (the demo), they run directly.
        let coordinator = replica.map { replica in
            ServeLeases.coordinator(
                replica: replica, clusters: clusters, delivery: delivery, store: store, board: board, logger: logger)
        }
        let routes = APIRoutes(
            store: store, clusters: clusters.map(\.cluster), board: board, metricsText: { MetricsEndpoint.registry.emitToString() },
            logger: logger, leases: coordinator.map { APIRoutes.Leases(store: store, replica: $0.board) })
        let names = clusters.map(\.cluster.name).joined(separator: ",")
        // The console's pages on the same router, behind the same access control; its buttons post to the API.
        let console = TicketStoreConsoleSource(
            store: store, watched: clusters.map { .init(name: $0.cluster.name, subject: $0.cluster.subject) }, statuses: board,
            leases: coordinator == nil ? nil : store)
        let pages = try ConsolePages()
        let server = APIServer.application(
            routes: routes, access: access, listen: listen, logger: logger,
            mount: { router in ConsoleRoutes.add(to: router, source: console, pages: pages, logger: logger) }
        ) { host, port in
            let shown = APIServer.ListenAddress(host: host, port: port)
            Output.line("serving http://\(shown)")
            logger.notice("serving the API", metadata: ["url": "http://\(shown)/api/v1", "db": "\(store.displayLocation)", "clusters": "\(names)"])
        }
        let work: [any Service] = coordinator.map { [$0] } ?? (clusters.flatMap(\.services) + (delivery.map { [$0] } ?? []))
        var configuration = ServiceGroupConfiguration(
            services: (work + [server]).map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // A tick's write is one short transaction; past this, in-flight work is cancelled (stopped within 2 s).
        configuration.maximumGracefulShutdownDuration = .milliseconds(1500)
        try await ServiceGroup(configuration: configuration).run()
    }
}
