import ArgumentParser
import Foundation
import Logging
import OperatorBench
import OperatorConfiguration

/// Kill → ticket latency of Operator next to kill → webhook latency of Prometheus + Alertmanager, on the
/// same SIGKILLs of a real local etcd cluster.
struct BenchDetectionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detection",
        abstract: "Detection latency on a local etcd cluster: Operator vs Prometheus + Alertmanager on the same kills.",
        discussion: """
            Needs Debian's etcd-server, prometheus and prometheus-alertmanager (`apt-get install -y etcd-server prometheus prometheus-alertmanager`). Starts 3 etcd members, Prometheus (scrape and rule evaluation every 1 s, `up == 0` for 0s) and Alertmanager (group_wait 1s, webhook to this process) on free loopback ports in a temporary directory, and Operator's monitor in-process at a 1 s interval. Each kill SIGKILLs one member and times both systems until they report it, then restarts the member and waits until both report it back. Everything started is stopped by pid at the end, also on error or Ctrl-C.
            """)

    @Option(help: ArgumentHelp("Number of kills (at least 1).", valueName: "n"))
    var kills: Int = 10
    @Option(help: ArgumentHelp("How long each system gets to report a kill before it counts as a timeout.", valueName: "duration"))
    var killTimeout: String = "60s"
    @Option(help: ArgumentHelp("Minutes of the false-ticket run after the kills: a healthy cluster, one graceful member restart a minute (0 skips it).", valueName: "minutes"))
    var healthyMinutes: Double = 10
    @Option(help: ArgumentHelp("Store kills on the in-process TiKV simulator, liveness signal against PD's view (0 skips them).", valueName: "n"))
    var simulatorKills: Int = 5
    @Option(help: ArgumentHelp("Stores of the simulated cluster whose idle held connections are measured for CPU (0 skips it).", valueName: "n"))
    var idleStores: Int = 100
    @Option(help: ArgumentHelp("How long each idle CPU window lasts (without, then with, the liveness watch).", valueName: "duration"))
    var idleDuration: String = "60s"
    @Option(help: ArgumentHelp("Keep etcd state, logs, configuration and the database in this directory (default: a temporary one, removed).", valueName: "dir"))
    var workDirectory: String?
    @Flag(help: "Keep the working directory and the etcd data.") var keep = false
    @Flag(help: "Print the tables as markdown.") var markdown = false
    @Flag(help: "Print JSON.") var json = false
    @Option(help: "Log level on stderr (trace … critical).") var logLevel: String?

    func run() async throws {
        try CLILogging.bootstrap(level: logLevel, fallback: .warning)
        let report = try await Self.measure(options: try options(), quiet: json)
        if json { return try Output.json(report) }
        Output.line(report.tables.map { $0.render(markdown: markdown) }.joined(separator: "\n\n"))
    }

    func options() throws -> DetectionBenchmark.Options {
        guard kills >= 1 else { throw CLIFailure("--kills must be at least 1, got \(kills)", exitCode: 2) }
        var options = DetectionBenchmark.Options()
        options.kills = kills
        options.killTimeout = try SettingLimits.harnessDuration("--kill-timeout").parse(killTimeout, from: .flag("--kill-timeout"))
        guard healthyMinutes.isFinite, (0...600).contains(healthyMinutes) else {
            throw CLIFailure("--healthy-minutes must be between 0 and 600, got \(healthyMinutes)", exitCode: 2)
        }
        guard (0...100).contains(simulatorKills) else {
            throw CLIFailure("--simulator-kills must be between 0 and 100, got \(simulatorKills)", exitCode: 2)
        }
        guard (0...2000).contains(idleStores) else {
            throw CLIFailure("--idle-stores must be between 0 and 2000, got \(idleStores)", exitCode: 2)
        }
        options.healthyMinutes = healthyMinutes
        options.simulatorKills = simulatorKills
        options.idleStores = idleStores
        options.idleDuration = try SettingLimits.harnessDuration("--idle-duration").parse(idleDuration, from: .flag("--idle-duration"))
        options.workDirectory = workDirectory
        options.keep = keep
        return options
    }

    /// The benchmark with the production monitor's in-flight request tracker; SIGINT and SIGTERM stop it.
    static func measure(options: DetectionBenchmark.Options, quiet: Bool) async throws -> DetectionReport {
        var options = options
        options.pendingWork = InFlightHTTPRequests()
        return try await BenchCommand.mappingErrors {
            try await DetectionBenchmark.measure(
                options: options, logger: Logger(label: "operator.bench"), progress: { if !quiet { Output.note($0) } })
        }
    }
}
