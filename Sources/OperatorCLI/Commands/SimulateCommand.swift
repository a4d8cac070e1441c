import ArgumentParser
import Foundation
import Logging
import OperatorCore
import ServiceLifecycle
import TiKVSimulator

/// `operator simulate`: an embedded TiKV cluster simulator, a test and demo harness serving PD's
/// HTTP API and TiKV status endpoints on loopback, and the commands that drive a running one.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run an embedded TiKV cluster simulator (test and demo harness) or inject faults into a running one.",
        discussion: """
            The simulator serves PD's HTTP API (one port per PD member) and each store's TiKV status server \
            (/status, /metrics) on 127.0.0.1, so `operator check --subject tikv --endpoints http://127.0.0.1:PORT` \
            works against it as against a real cluster. It is not a database: see Sources/TiKVSimulator/README.md.

              operator simulate --stores 3 --time-scale 20
              operator simulate fault store-down store:2 --port 2379
              operator simulate lift store-down store:2 --port 2379
              operator simulate status --port 2379
            """,
        subcommands: [Run.self, Fault.self, Lift.self, Status.self],
        defaultSubcommand: Run.self)

    /// Runs the simulator in the foreground until SIGINT or SIGTERM.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run the simulator in the foreground until interrupted (the default subcommand).")

        @Option(help: "TiKV stores to simulate (1…1000).")
        var stores = 3

        @Option(help: "PD members to simulate (1…15); with 2 or more, pd-leader-down can be injected.")
        var pd = 3

        @Option(help: "Regions to simulate (up to millions; they are never materialised).")
        var regions = 30

        @Option(help: "First port: PD members listen on PORT, PORT+1, …, stores on the ports after. 0 lets the OS choose.")
        var port = 2379

        @Option(name: .customLong("time-scale"), help: "PD seconds per wall second (20: a killed store is Disconnected after 1 s).")
        var timeScale: Double = 1

        @Option(help: "Background client load, requests per second over the whole cluster (0 for an idle cluster).")
        var qps: Double = 100

        @Option(name: .customLong("log-dir"), help: "Directory for TiKV-format logs, one file per store and PD member.")
        var logDirectory: String?

        @Option(name: .customLong("max-store-down-time"), help: "PD's max-store-down-time: a silent store turns Down after it (e.g. 30m, 90s).")
        var maxStoreDownTime = "30m"

        @Option(help: "Seed for ids and region sizes, for reproducible runs.")
        var seed: UInt64 = 4

        @Option(
            name: .customLong("pd-scheduler-series-bytes"),
            help: "Size in bytes of the PD leader's quadratic scheduler series on /metrics (pre-v8.5.5 PD, up to 200000000); default: what the stores make.")
        var pdSchedulerSeriesBytes: Int?

        @Option(name: .customLong("region-check-limit"), help: "Most regions a /regions/check/… body lists (real PD lists all).")
        var regionCheckLimit = 100_000

        @Flag(help: "Print the endpoints as JSON instead of text.")
        var json = false

        func run() async throws {
            var configuration = TiKVSimulatorConfiguration(
                pdMembers: pd, stores: stores, regions: regions, timeScale: timeScale, seed: seed, qps: qps,
                port: port, logDirectory: logDirectory)
            configuration.pdSchedulerSeriesBytes = pdSchedulerSeriesBytes
            configuration.regionCheckLimit = regionCheckLimit
            do {
                configuration.maxStoreDownTime = try DurationText.seconds(maxStoreDownTime)
            } catch {
                throw ValidationError("--max-store-down-time: \(error)")
            }
            let logger = Logger(label: "operator.simulate")
            let simulator = TiKVSimulator(configuration: configuration, logger: logger)
            let printJSON = json
            let service = TiKVSimulatorService(simulator: simulator) { endpoints in
                SimulateCommand.write(printJSON ? SimulateCommand.jsonText(endpoints) : SimulateCommand.describe(endpoints))
            }
            let group = ServiceGroup(configuration: .init(
                services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            do {
                try await group.run()
            } catch let error as TiKVSimulatorError {
                // A flag value the simulator refuses is bad usage (exit 2), like every other bad setting.
                if case .invalidConfiguration = error { throw CLIFailure(error.description, exitCode: 2) }
                throw error
            }
        }
    }

    /// Injects a fault into a running simulator.
    struct Fault: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inject a fault into a running simulator.",
            discussion: "Kinds: \(SimulatedFaultKind.allCases.map(\.rawValue).joined(separator: ", ")).")

        @Argument(help: "Fault kind (the kinds are listed below).")
        var kind: String

        @Argument(help: "Target: store:<id>; for pd-leader-down cluster, pd:leader or pd:<name>; for pd-leader-switch cluster.")
        var entity: String

        @Option(help: "Port of the running simulator (its first PD member's port).")
        var port = 2379

        func validate() throws { try SimulateCommand.checkPort(port) }

        func run() async throws {
            let (kind, entity) = try SimulateCommand.parse(kind: kind, entity: entity)
            let fault = try await TiKVSimulatorControlClient(port: port).inject(kind, entity: entity)
            SimulateCommand.write("injected \(fault.kind) on \(fault.entity) at \(fault.injectedAt) (PD time)")
        }
    }

    /// Lifts a fault from a running simulator.
    struct Lift: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift a fault from a running simulator.")

        @Argument(help: "Fault kind, as injected.")
        var kind: String

        @Argument(help: "Target, as injected (for pd-leader-down, cluster lifts the latest one).")
        var entity: String

        @Option(help: "Port of the running simulator (its first PD member's port).")
        var port = 2379

        func validate() throws { try SimulateCommand.checkPort(port) }

        func run() async throws {
            let (kind, entity) = try SimulateCommand.parse(kind: kind, entity: entity)
            let fault = try await TiKVSimulatorControlClient(port: port).lift(kind, entity: entity)
            SimulateCommand.write("lifted \(fault.kind) on \(fault.entity)")
        }
    }

    /// Shows a running simulator's state.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a running simulator's stores, PD members and faults.")

        @Option(help: "Port of the running simulator (its first PD member's port).")
        var port = 2379

        func validate() throws { try SimulateCommand.checkPort(port) }

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() async throws {
            let state = try await TiKVSimulatorControlClient(port: port).state()
            SimulateCommand.write(json ? SimulateCommand.jsonText(state) : SimulateCommand.describe(state))
        }
    }

    // MARK: Helpers

    static func parse(kind: String, entity: String) throws -> (SimulatedFaultKind, String) {
        do {
            let parsed = try SimulatedFaultKind.parse(kind)
            try parsed.validate(entity: entity)
            return (parsed, entity)
        } catch {
            throw ValidationError(error.description)
        }
    }

    static func write(_ text: String) {
        Output.text(text.hasSuffix("\n") ? text : text + "\n")
    }

    static func jsonText(_ value: some Encodable) -> String {
        guard let data = try? JSONEncoder.operatorPrettyEncoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func describe(_ endpoints: TiKVSimulatorEndpoints) -> String {
        var lines = ["TiKV simulator (test and demo harness) running; Ctrl-C stops it.", "PD:"]
        lines += endpoints.pdURLs.map { "  \($0)" }
        lines.append("Stores (status server):")
        lines += endpoints.stores.map { "  store:\($0.id)  \($0.statusURL)" }
        lines.append("Control: \(endpoints.controlURL)\(SimulatorControl.pathPrefix)/state")
        if let directory = endpoints.logDirectory { lines.append("Logs: \(directory)") }
        return lines.joined(separator: "\n")
    }

    /// A port out of range is a usage error, not a trap deep in the HTTP client.
    static func checkPort(_ port: Int) throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1…65535, got \(port)") }
    }

    static func describe(_ state: SimulatorStateReport) -> String {
        var lines = ["PD time \(state.pdTime) (time scale \(state.timeScale)), \(state.regions) regions, load \(state.qps) QPS"]
        for member in state.pdMembers {
            lines.append("  pd:\(member.name)  \(member.clientURL)  \(member.up ? "up" : "DOWN")\(member.leader ? "  leader" : "")")
        }
        for store in state.stores {
            lines.append("  store:\(store.id)  \(store.statusURL)  \(store.stateName)\(store.processUp ? "" : " (process down)")  regions \(store.regionCount)  leaders \(store.leaderCount)  available \(NumberText.integer(store.availableRatio * 100))%  slow score \(NumberText.integer(store.slowScore))")
        }
        let checks = state.regionChecks.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        lines.append("  regions: " + checks.joined(separator: ", "))
        lines.append(state.faults.isEmpty ? "  faults: none" : "  faults: " + state.faults.map { "\($0.kind) \($0.entity)" }.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }
}
