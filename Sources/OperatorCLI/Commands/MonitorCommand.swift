import ArgumentParser
import Foundation
import Logging
import OperatorCore
import ServiceLifecycle

struct MonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Check the cluster on a loop and keep tickets in the database.",
        discussion: """
            Runs until SIGINT or SIGTERM, then stops at the next tick boundary with the database intact. A cluster that cannot be observed becomes an `observation-failed` ticket on `cluster` (retried with backoff) that clears itself when observation works again. With --diagnose, incidents are diagnosed in the same process as they open.
            """)

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("Time between ticks, e.g. 500ms, 1s, 2m (default 5s or `interval` in operator.yaml).", valueName: "duration"))
    var interval: String?

    @Option(help: ArgumentHelp("Budget for one observation (default: twice the interval, at least 10s).", valueName: "duration"))
    var tickTimeout: String?

    @Option(help: ArgumentHelp("Resolve a ticket after its violation is absent this many consecutive ticks (default 3).", valueName: "n"))
    var resolveAfter: Int?

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
        let intervalText = try interval ?? file.string("interval") ?? "5s"
        let timeoutText = try tickTimeout ?? file.string("tick_timeout")
        let configuration: MonitorConfiguration
        do {
            let every = try DurationText.duration(intervalText)
            guard every > .zero else { throw CLIFailure("--interval must be positive, got \(intervalText)", exitCode: 2) }
            configuration = MonitorConfiguration(
                interval: every, tickTimeout: try timeoutText.map { try DurationText.duration($0) },
                policy: TicketPolicy(resolveAfterAbsentTicks: try resolveAfter ?? file.int("resolve_after") ?? 3))
        } catch let error as DurationText.ParseError {
            throw CLIFailure("--interval/--tick-timeout: \(error)", exitCode: 2)
        }
        if let port = try metricsPort ?? file.int("metrics_port"), !(1...65535).contains(port) {
            throw CLIFailure("--metrics-port must be 1…65535, got \(port)", exitCode: 2)
        }
        let store = try database.open(config: file)
        try await monitor(try resolved.makeSubject(), store: store, configuration: configuration, file: file, logger: logger)
    }

    private func monitor<S: Subject>(
        _ subject: S, store: SQLiteTicketStore, configuration: MonitorConfiguration, file: OperatorConfigFile, logger: Logger
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
            services.append(DiagnosisRunner(subject: subject, store: store, diagnoser: diagnoser, logger: logger, latest: latest))
        }
        if let port = try metricsPort ?? file.int("metrics_port") {
            services.append(MetricsEndpoint.service(port: port, logger: logger))
            logger.notice("serving operator metrics", metadata: ["url": "http://127.0.0.1:\(port)/metrics"])
        }
        logger.notice(
            "watching \(subject.name)",
            metadata: [
                "endpoints": "\(cluster.endpoints ?? "default")", "db": "\(store.path)",
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
