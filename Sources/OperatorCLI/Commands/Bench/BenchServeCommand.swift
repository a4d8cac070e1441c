import ArgumentParser
import Foundation
import Logging
import OperatorBench
import OperatorConfiguration

/// `operator serve` under read load: requests/s, p50/p99 latency and serve's RSS with 10,000 incidents.
struct BenchServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Requests/s, p50/p99 latency (wrk) and RSS of `operator serve` answering GET /api/v1/incidents?limit=50 over 10,000 incidents.",
        discussion: """
            Writes a database of --incidents incidents (tickets, timeline, a quarter diagnosed) through the ticket store, starts 3 simulated TiKV clusters (`operator simulate run`) and `operator serve` watching them on that database, then drives GET /api/v1/incidents?limit=50 with Debian's wrk on loopback (`apt-get install wrk`), and /api/v1/clusters, one incident's API detail and its console page as secondary rows. Serve's RSS is read from /proc (peak and after the load). Prints issue 17's targets (>= 2,000 req/s, p99 <= 20 ms, RSS <= 60 MB on 2 cores), met or by how much not. Everything started is stopped by pid at the end, also on error or Ctrl-C.
            """)

    @Option(help: ArgumentHelp("Incidents in the database.", valueName: "n")) var incidents = 10_000
    @Option(help: ArgumentHelp("Simulated TiKV clusters serve watches.", valueName: "n")) var clusters = 3
    @Option(help: ArgumentHelp("How often serve's monitors tick (serve's default).", valueName: "duration")) var interval = "5s"
    @Option(help: ArgumentHelp("wrk's run per path.", valueName: "duration")) var duration = "10s"
    @Option(help: ArgumentHelp("wrk threads.", valueName: "n")) var threads = 2
    @Option(help: ArgumentHelp("wrk connections (kept open; the concurrency).", valueName: "n")) var connections = 8
    @Option(help: ArgumentHelp("wrk's path (default: wrk on PATH).", valueName: "path")) var wrk: String?
    @Flag(help: "Print the table as markdown.") var markdown = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try CLILogging.bootstrap(level: nil, fallback: .warning)
        let options = try options()
        let report = try await BenchCommand.measure(quiet: json) { executable, logger, progress in
            try await ServeBenchmark.measure(options: options, executable: executable, logger: logger, progress: progress)
        }
        if json { return try Output.json(report) }
        Output.line(report.table.render(markdown: markdown))
    }

    func options() throws -> ServeBenchmark.Options {
        for (name, value, range) in [
            ("--incidents", incidents, 1...1_000_000), ("--clusters", clusters, 1...20), ("--threads", threads, 1...64),
            ("--connections", connections, 1...10_000),
        ] where !range.contains(value) {
            throw CLIFailure("\(name) must be \(range.lowerBound)…\(range.upperBound), got \(value)", exitCode: 2)
        }
        guard connections >= threads else {
            throw CLIFailure("--connections (\(connections)) must be at least --threads (\(threads)): wrk gives each thread its own connections", exitCode: 2)
        }
        var options = ServeBenchmark.Options()
        options.incidents = incidents
        options.clusters = clusters
        options.interval = try SettingLimits.interval.parse(interval, from: .flag("--interval"))
        options.duration = try SettingLimits.harnessDuration("--duration", minimum: .seconds(1)).parse(duration, from: .flag("--duration"))
        options.threads = threads
        options.connections = connections
        options.wrk = wrk
        return options
    }
}
