import Foundation
import Logging
import OperatorConfiguration
import OperatorCore
import OperatorHarness
import OperatorServer

/// `operator demo --serve`: after the demo, the same cluster watched and served as `operator serve`
/// would, on loopback, until Ctrl-C.
enum DemoServing {
    static func run(target: any ChaosTarget, databasePath: String, interval: Duration, listen: String, logger: Logger) async throws {
        guard let address = APIServer.ListenAddress.parse(listen) else {
            throw CLIFailure("--listen \(listen): expected host:port, e.g. 127.0.0.1:9400", exitCode: 2)
        }
        MetricsEndpoint.bootstrap()
        let registration = try LinkedSubjects.registry.registration(named: target.subject)
        let subject = try registration.make(SubjectConfiguration(endpoints: target.endpoints, prometheusURL: target.prometheusURL, logger: logger))
        let store = try SQLiteTicketStore(path: databasePath)
        let board = ClusterStatusBoard()
        let watched = try await ServedClusterServices.make(
            name: "default", subject: subject, store: store, file: .empty, monitor: MonitorConfiguration(interval: interval),
            diagnoser: "offline", board: board, logger: logger)
        Output.line("")
        Output.line("Still watching the demo's \(target.subject) cluster; Ctrl-C stops it and removes everything.")
        try await ServeRun.run(
            clusters: [watched], store: store, board: board,
            access: .loopback(token: try ServeAccess.token(config: .empty)), listen: address, logger: logger)
    }
}
