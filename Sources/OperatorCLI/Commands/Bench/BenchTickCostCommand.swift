import ArgumentParser
import Foundation
import Logging
import OperatorBench

/// What a tick of the TiKV subject costs Operator at 3, 100 and 500 stores, healthy and with one store down.
struct BenchTickCostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tick-cost",
        abstract: "Tick p50/p99, Operator's CPU per tick, bytes and requests per tick by path, and RSS peak at 3, 100 and 500 stores x 1,000,000 regions, healthy and with one store down.",
        discussion: """
            Starts the embedded TiKV simulator (`operator simulate`) as a child process for each size in turn and runs Operator's monitor tick (observe, evaluate, record on a temporary database) against it, in this process: first healthy, then with the last store killed and PD time moved past max-peer-down-duration (its peers down-peers: 30,000 regions at 100 stores x 1,000,000). CPU time (getrusage) and RSS are this process's own; bytes and requests per path are what the simulator served. Prints the ratios to the smallest size and issue 16's targets, met or by how much not. Everything started is stopped by pid at the end, also on error or Ctrl-C.
            """)

    @Option(name: .customLong("stores"), help: ArgumentHelp("Store counts to measure, one size each (repeatable; default 3, 100, 500).", valueName: "n"))
    var storeCounts: [Int] = []
    @Option(help: ArgumentHelp("Regions of every size.", valueName: "n")) var regions = 1_000_000
    @Option(help: ArgumentHelp("Ticks measured per size and scenario.", valueName: "n")) var ticks = 30
    @Option(help: ArgumentHelp("Ticks run before measuring, per size and scenario.", valueName: "n")) var warmup = 5
    @Flag(help: "Measure only the healthy cluster (no store killed).") var healthyOnly = false
    @Flag(help: "Print the table as markdown.") var markdown = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try CLILogging.bootstrap(level: nil, fallback: .warning)
        let report = try await Self.measure(options: try options(), quiet: json)
        if json { return try Output.json(report) }
        Output.line(report.table.render(markdown: markdown))
    }

    func options() throws -> TickCostBenchmark.Options {
        let counts = storeCounts.isEmpty ? TickCostBenchmark.defaultSizes.map(\.stores) : storeCounts
        for count in counts where !(1...1000).contains(count) {
            throw CLIFailure("--stores must be 1…1000, got \(count)", exitCode: 2)
        }
        for (name, value, range) in [
            ("--regions", regions, 1...50_000_000), ("--ticks", ticks, 1...100_000), ("--warmup", warmup, 0...100_000),
        ] where !range.contains(value) {
            throw CLIFailure("\(name) must be \(range.lowerBound)…\(range.upperBound), got \(value)", exitCode: 2)
        }
        var options = TickCostBenchmark.Options()
        options.sizes = counts.map { TickCostBenchmark.ClusterSize(stores: $0, regions: regions) }
        options.scenarios = healthyOnly ? [.healthy] : TickCostBenchmark.Scenario.allCases
        options.ticks = ticks
        options.warmupTicks = warmup
        return options
    }

    /// The benchmark with the production monitor's in-flight request tracker, the simulator run by this
    /// program (`operator simulate run`); Ctrl-C stops everything it started and exits 130.
    static func measure(options: TickCostBenchmark.Options, quiet: Bool) async throws -> TickCostReport {
        var tracked = options
        tracked.pendingWork = InFlightHTTPRequests()
        let options = tracked
        return try await BenchCommand.measure(quiet: quiet) { executable, logger, progress in
            try await TickCostBenchmark.measure(options: options, simulatorExecutable: executable, logger: logger, progress: progress)
        }
    }
}
