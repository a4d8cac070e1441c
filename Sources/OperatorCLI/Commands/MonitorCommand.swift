import ArgumentParser
import Foundation
import Logging
import OperatorConfiguration
import OperatorCore
import ServiceLifecycle

struct MonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Check the cluster on a loop and keep tickets in the database.",
        discussion: """
            Runs until SIGINT or SIGTERM, then stops at the next tick boundary with the database intact. A cluster that cannot be observed becomes an `observation-failed` ticket on `cluster` (retried with backoff) that clears itself when observation works again. A cluster observed only in part — a critical invariant without a verdict, or a failed data source such as a PD path or Prometheus — logs a warning and notes why in each heartbeat; after --degraded-after such ticks in a row it becomes an `observation-degraded` ticket on `cluster` naming the failing sources, which clears on the first tick with full sight. Ticks the database refuses (a full disk) are kept in memory (up to 720) and written later, in order, with their own observation times. With --diagnose, incidents are diagnosed in the same process as they open.
            """)

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var database: DatabaseOptions

    @OptionGroup var loop: MonitorLoopOptions

    @Option(help: ArgumentHelp("Serve the operator's own /metrics and /healthz on 127.0.0.1:<port> (off by default).", valueName: "port"))
    var metricsPort: Int?

    @Option(help: ArgumentHelp("Diagnose incidents as they open with this diagnoser (offline, anthropic, openai).", valueName: "name"))
    var diagnose: String?

    @Option(help: "Log level on stderr (trace … critical); ticket changes log at notice.") var logLevel: String?

    func run() async throws {
        try CLILogging.bootstrap(level: logLevel, fallback: .notice)
        MetricsEndpoint.bootstrap()
        let logger = Logger(label: "operator")
        let resolved = try cluster.resolve(logger: logger)
        let file = resolved.file
        let port = try metricsPort.map { try SettingLimits.metricsPort.check($0, from: .flag("--metrics-port")) }
            ?? file.integer(SettingLimits.metricsPort)
        let configuration = try loop.configuration(cluster: resolved.clusterName, file: file)
        let store = try await database.open(config: file)
        try await monitor(
            try resolved.makeSubject(), store: store, configuration: configuration, file: file, metricsPort: port,
            endpoints: resolved.configuration.endpoints, logger: logger)
    }

    private func monitor<S: Subject>(
        _ subject: S, store: CLITicketStore, configuration: MonitorConfiguration, file: OperatorConfigFile, metricsPort: Int?,
        endpoints: [String], logger: Logger
    ) async throws {
        let latest = LatestSnapshot<S.Snapshot>()
        var services: [any Service] = [
            MonitorService(
                subject: subject, store: store, configuration: configuration, logger: logger, latest: latest,
                pendingWork: InFlightHTTPRequests())
        ]
        let diagnoserName = try diagnose ?? file.section("diagnosis")["diagnoser"]?.stringValue
        if let diagnoserName {
            let diagnoser = try DiagnoserFactory.make(diagnoserName, for: subject, config: file)
            let budget = ContextBudget(maxTokens: try file.modelCallLimits().contextTokens)
            services.append(DiagnosisRunner(
                subject: subject, store: store, diagnoser: diagnoser, configuration: .init(budget: budget, cluster: configuration.cluster),
                logger: logger, latest: latest))
        }
        // Notifications out, when operator.yaml has `notify:`.
        if let delivery = try await NotificationDelivery.service(file: file, store: store, logger: logger) {
            services.append(delivery)
        }
        if let port = metricsPort {
            services.append(MetricsEndpoint.service(port: port, logger: logger))
            logger.notice("serving operator metrics", metadata: ["url": "http://127.0.0.1:\(port)/metrics"])
        }
        logger.notice(
            "watching \(subject.name)",
            metadata: [
                // The resolved URLs: userinfo was removed where they entered.
                "cluster": "\(configuration.cluster)", "endpoints": "\(endpoints.joined(separator: ","))", "db": "\(store.displayLocation)",
                "interval": "\(DurationText.format(configuration.interval))",
                "diagnoser": "\(diagnoserName ?? "none")",
            ])
        var groupConfiguration = ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // A tick's write is one short transaction; past this, in-flight work is cancelled.
        groupConfiguration.maximumGracefulShutdownDuration = .milliseconds(1500)
        try await ServiceGroup(configuration: groupConfiguration).run()
    }
}
