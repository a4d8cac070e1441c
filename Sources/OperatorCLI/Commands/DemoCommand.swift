import ArgumentParser
import Foundation
import Logging
import OperatorConfiguration
import OperatorCore
import OperatorHarness
import OperatorServer
import TiKVSimulator

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Kill a node and watch Operator detect it, open a ticket, diagnose it and explain it.",
        discussion: """
            With no flags it needs nothing installed: it starts the embedded TiKV cluster simulator (a test and demo harness serving PD's and TiKV's real HTTP APIs: 3 PD, 3 stores, light load), a monitor every second and the offline diagnoser on a temporary database, waits until the cluster is healthy, kills a store and prints the timeline, the diagnosis and the measured latencies.

            --subject etcd runs the same on a real local 3-member etcd cluster (Debian's etcd-server); --backend compose on the Docker stack. Everything the demo started is stopped on exit, also on Ctrl-C.
            """)

    @Option(help: ArgumentHelp("tikv (default) or etcd.", valueName: "name")) var subject: String = "tikv"
    @Option(help: ArgumentHelp("simulator (tikv's default), process (etcd's default) or compose.", valueName: "name"))
    var backend: String?
    @Option(help: ArgumentHelp("Fault to inject (simulator: any kind `operator chaos list` shows, e.g. store-down, slow-disk, write-stall, restart-loop; deployments: a hard kill).", valueName: "kind"))
    var fault: String?
    @Option(help: ArgumentHelp("Entity to hit, e.g. store:2 or member:e2 (default: a middle node).", valueName: "entity"))
    var target: String?
    @Option(help: ArgumentHelp("offline (default), anthropic (needs ANTHROPIC_API_KEY) or openai.", valueName: "name"))
    var diagnoser: String = "offline"
    @Option(help: ArgumentHelp("Model id for anthropic/openai.", valueName: "id")) var model: String?
    @Option(help: ArgumentHelp("Model endpoint base URL for anthropic/openai.", valueName: "url")) var baseURL: String?
    @Option(help: ArgumentHelp("Monitor interval.", valueName: "duration")) var interval: String = "1s"
    @Option(help: ArgumentHelp("Simulator: PD seconds per wall second (20 makes PD's 20 s heartbeat timeout take 1 s).", valueName: "factor"))
    var timeScale: Double = 20
    @Option(help: "Simulator: number of stores.") var stores: Int = 3
    @Option(help: "Simulator: background load in requests per second.") var qps: Double = 200
    @Option(help: ArgumentHelp("Give up waiting for each phase after this long.", valueName: "duration")) var timeout: String = "90s"
    @Option(help: ArgumentHelp("Keep the ticket database at this path instead of a temporary file.", valueName: "path"))
    var db: String?
    @Option(help: "Log level on stderr (trace … critical).") var logLevel: String?
    @Flag(help: "Print one JSON object: subject, fault, timeline, detect_seconds, diagnose_seconds, ticket.") var json = false
    @Flag(help: "After the demo, keep watching its cluster and serve the console and API on it (see `operator serve`) until Ctrl-C.")
    var serve = false
    @Option(help: ArgumentHelp("With --serve: address to serve on.", valueName: "host:port")) var listen: String = "127.0.0.1:9400"

    func run() async throws {
        try CLILogging.bootstrap(level: logLevel, fallback: .error)
        let logger = Logger(label: "operator.demo")
        let every = try Self.duration(interval, flag: "--interval")
        let budget = try Self.duration(timeout, flag: "--timeout")
        let backendName = backend ?? (subject == "tikv" ? "simulator" : nil)
        let quiet = json
        let work = try WorkDirectory(prefix: "operator-demo")

        if serve, APIServer.ListenAddress.parse(listen)?.isLoopback != true {
            throw CLIFailure("--listen \(listen): the demo serves on a loopback host:port only, e.g. 127.0.0.1:9400", exitCode: 2)
        }
        let result: ChaosRunResult
        let kept: (any ChaosTarget)?
        do {
            (result, kept) = try await cycle(work: work, interval: every, timeout: budget, backend: backendName, quiet: quiet, logger: logger)
        } catch let failure as CLIFailure where failure.exitCode == 130 {
            work.remove()  // interrupted on purpose: leave nothing behind
            throw failure
        } catch {
            // Keep what explains the failure: the simulator's logs, a member's log, the database.
            Output.note("kept the demo's logs and database in \(work.path)")
            throw error
        }
        if json { try Output.json(result) } else { DemoPrinter.summary(result, keptDatabase: db) }
        if let kept {
            // Serving until Ctrl-C; the cluster and the database go when it stops.
            do {
                try await DemoServing.run(
                    target: kept, databasePath: db ?? (work.path as NSString).appendingPathComponent("operator.db"), interval: every,
                    listen: listen, logger: logger)
            } catch {
                await kept.stop()
                work.remove()
                throw error
            }
            await kept.stop()
        }
        work.remove()
    }

    private func cycle(
        work: WorkDirectory, interval every: Duration, timeout budget: Duration, backend backendName: String?, quiet: Bool, logger: Logger
    ) async throws -> (ChaosRunResult, (any ChaosTarget)?) {
        let options = self
        return try await Interruptible.run(logger: logger) {
            let printer = DemoPrinter(quiet: quiet)
            printer.header(options: options, backend: backendName)
            let target = try await options.startTarget(backend: backendName, directory: work.path, logger: logger, printer: printer)
            do {
                let result = try await options.runCycle(on: target, interval: every, timeout: budget, directory: work.path, logger: logger, printer: printer)
                // With --serve the cluster stays up for the API to watch; the caller stops it.
                if options.serve { return (result, target) }
                await Interruptible.cleanup { await target.stop() }
                return (result, nil)
            } catch {
                await Interruptible.cleanup { await target.stop() }
                throw error
            }
        }
    }

    private func startTarget(backend: String?, directory: String, logger: Logger, printer: DemoPrinter) async throws -> any ChaosTarget {
        if backend == "simulator" {
            guard subject == "tikv" else { throw CLIFailure("the simulator backend serves tikv only; use --backend process for etcd", exitCode: 2) }
            var configuration = TiKVSimulatorConfiguration(stores: stores, timeScale: timeScale, qps: qps)
            configuration.logDirectory = (directory as NSString).appendingPathComponent("logs")
            let target = try await SimulatorChaosTarget.start(configuration)
            printer.phase("started", "embedded TiKV simulator: PD \(target.endpoints.joined(separator: ", "))")
            return target
        }
        let target = try await ChaosTargets.deploy(
            subject: subject, backend: backend, members: 3, stateDirectory: (directory as NSString).appendingPathComponent("deploy"),
            logger: logger, progress: { printer.phase("deploying", $0) })
        printer.phase("started", "\(subject) at \(target.endpoints.joined(separator: ", "))")
        return target
    }

    private func runCycle(
        on target: any ChaosTarget, interval: Duration, timeout: Duration, directory: String, logger: Logger, printer: DemoPrinter
    ) async throws -> ChaosRunResult {
        let registration = try LinkedSubjects.registry.registration(named: target.subject)
        let subject = try registration.make(SubjectConfiguration(endpoints: target.endpoints, prometheusURL: target.prometheusURL, logger: logger))
        let kind = fault ?? target.faultKinds[0]
        guard target.faultKinds.contains(kind) else {
            throw CLIFailure(UnsupportedFault(kind: kind, known: target.faultKinds).description, exitCode: 2)
        }
        let entity: Entity
        do { entity = try self.target.map { try Entity(parsing: $0) } ?? target.defaultTarget(for: kind) } catch {
            throw CLIFailure("--target: \(error)", exitCode: 2)
        }
        return try await cycle(subject, target: target, fault: FaultSpec(kind: kind, entity: entity), interval: interval, timeout: timeout,
                               directory: directory, logger: logger, printer: printer)
    }

    private func cycle<S: Subject>(
        _ subject: S, target: any ChaosTarget, fault: FaultSpec, interval: Duration, timeout: Duration, directory: String,
        logger: Logger, printer: DemoPrinter
    ) async throws -> ChaosRunResult {
        let engine = try DiagnoserFactory.make(diagnoser, for: subject, config: .empty, overrides: .init(model: model, baseURL: baseURL))
        let run = ChaosRun(
            subject: subject, target: target, diagnoser: engine,
            options: .init(interval: interval, healthyTimeout: timeout, detectTimeout: timeout, diagnoseTimeout: timeout,
                           databasePath: db ?? (directory as NSString).appendingPathComponent("operator.db")),
            logger: logger, pendingWork: InFlightHTTPRequests())
        return try await run.run(fault: fault) { printer.phase($0.phase, $0.detail) }
    }

    static func duration(_ text: String, flag: String) throws -> Duration {
        try SettingLimits.harnessDuration(flag).parse(text, from: .flag(flag))
    }
}

