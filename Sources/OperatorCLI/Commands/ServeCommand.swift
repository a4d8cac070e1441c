import ArgumentParser
import Foundation
import Logging
import OperatorConfiguration
import OperatorHTTP
import OperatorCore
import OperatorServer
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Watch the configured clusters and serve the web console (/) and HTTP API (/api/v1, /healthz, /readyz, /metrics).",
        discussion: """
            One process: a monitor per cluster (each on its own schedule and budget, so a cluster that cannot be observed does not slow the others), a diagnosis runner per cluster with --diagnose or `diagnosis.diagnoser`, and the HTTP server. It prints `serving http://HOST:PORT` once listening. SIGINT or SIGTERM stops everything within 2 s with the database intact.

            Replicas: several `serve` processes with the same config and database share the clusters by lease: each cluster is watched by exactly one replica, a replica takes at most ceil(clusters / live replicas), and a killed replica's clusters move to the others within two lease periods (--lease-duration, default 15s). One delivers the outbox. Alone, a replica holds every lease. A clean stop gives its leases up at once.

            Access: it listens on 127.0.0.1 by default, where reads are open. POST routes need `Authorization: Bearer <token>`, the token from OPERATOR_API_TOKEN or `api_token_file:` in operator.yaml; with no token configured they answer 403. A --listen address beyond loopback needs a token, which every route but the probes (/healthz, /readyz: a kubelet has no token) then requires (a browser opening the console is asked for it by its own login prompt: any user name, the token as password; that answer opens pages, never writes). The API is described at /api/v1/openapi.json.
            """)

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("Address to serve on, host:port (port 0 picks a free one).", valueName: "host:port"))
    var listen: String = "127.0.0.1:9400"

    @OptionGroup var loop: MonitorLoopOptions

    @OptionGroup var replica: ReplicaOptions

    @Option(help: ArgumentHelp("Diagnose incidents as they open with this diagnoser (offline, anthropic, openai); the API may also re-diagnose with it.", valueName: "name"))
    var diagnose: String?

    @Option(help: "Log level on stderr (trace … critical).") var logLevel: String?

    func run() async throws {
        MallocArenas.limit(to: 2)
        try CLILogging.bootstrap(level: logLevel, fallback: .notice)
        MetricsEndpoint.bootstrap()
        let replicaName = try replica.replica()
        let leaseDuration = try replica.duration()
        var logger = Logger(label: "operator")
        logger[metadataKey: "replica"] = "\(replicaName)"
        guard let address = APIServer.ListenAddress.parse(listen) else {
            throw CLIFailure("--listen \(listen): expected host:port, e.g. 127.0.0.1:9400 (port 0 picks a free one)", exitCode: 2)
        }
        let file = try cluster.config.load()
        let token = try ServeAccess.token(config: file)
        guard address.isLoopback || token != nil else {
            throw CLIFailure(
                "--listen \(address) is beyond loopback: set OPERATOR_API_TOKEN or `api_token_file:` in operator.yaml first (every route then needs the token), or listen on 127.0.0.1",
                exitCode: 2)
        }
        let access = AccessPolicy(token: token, tokenRequiredForReads: !address.isLoopback)
        let store = try await database.open(config: file)
        let board = ClusterStatusBoard()
        var watched: [ServedClusterServices] = []
        for name in try clusterNames(file) {
            // Each cluster with its own settings (its entry's keys over the top-level ones), schedule and budget.
            let resolved = try cluster.resolve(logger: logger, knownCluster: name)
            let diagnoserName = try diagnose ?? resolved.file.section("diagnosis")["diagnoser"]?.stringValue
            var served = try await ServedClusterServices.make(
                name: resolved.clusterName, subject: try resolved.makeSubject(), store: store, file: resolved.file,
                monitor: try loop.configuration(cluster: resolved.clusterName, file: resolved.file), diagnoser: diagnoserName,
                board: board, logger: logger,
                fence: LeaseFence(lease: LeaseName.cluster(resolved.clusterName), replica: replicaName, store: store))
            served.services = served.services.map { HTTPScopedService(inner: $0, scope: resolved.security) }
            served.cluster = served.cluster.scoped(resolved.security)
            watched.append(served)
        }
        // `resolve` installs each cluster's scope process-wide (for one-cluster commands); here that would
        // leave the last cluster's TLS files and credentials on every request made outside a cluster's
        // scope (notifications to a webhook, the API's tasks). Each cluster's work carries its own scope.
        HTTPSecurityScope.installProcessWide(nil)
        // Notifications out (`notify:`): the outbox's delivery runs beside the monitors.
        let delivery = try await NotificationDelivery.service(file: file, store: store, logger: logger)
        try await ServeRun.run(
            clusters: watched, store: store, board: board, access: access, listen: address, logger: logger,
            delivery: delivery, replica: ServeLeases.Replica(name: replicaName, duration: leaseDuration))
    }

    /// Every configured cluster, or the one `--cluster` names. Flags that say which cluster to watch
    /// (`--subject`, `--endpoints`, `--prometheus`) fit one cluster only.
    private func clusterNames(_ file: OperatorConfigFile) throws -> [String] {
        if let one = cluster.cluster { return [one] }
        let names: [String]
        do { names = try file.clusters().map(\.name) } catch { throw CLIFailure(error.message, exitCode: 2) }
        if names.count > 1, cluster.subject != nil || cluster.endpoints != nil || cluster.prometheus != nil {
            throw CLIFailure(
                "--subject, --endpoints and --prometheus describe one cluster, but \(file.path ?? "operator.yaml") configures \(names.count) (\(names.joined(separator: ", "))); set them per entry of `clusters:`, or serve one with --cluster NAME",
                exitCode: 2)
        }
        return names
    }
}
