import ArgumentParser
import Foundation
import Logging

/// Tick duration and resident memory of the TiKV subject at a small and a large simulated cluster.
struct BenchTickCostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tick-cost",
        abstract: "Tick duration p50/p99 and Operator's RSS at 3 stores/10 regions, 3 stores/1,000,000 regions and 100 stores/1,000,000 regions.",
        discussion: """
            Starts the embedded TiKV simulator (`operator simulate`) as a child process for each size in turn (the middle size has the small cluster's stores and the large one's regions, so region count and store count show separately) and runs Operator's monitor tick (observe, evaluate, record on a temporary database) against it, in this process. Also counts the PD HTTP requests each tick makes, to show a tick never lists regions. Everything started is stopped by pid at the end, also on error or Ctrl-C.
            """)

    @Option(help: ArgumentHelp("Stores of the small cluster.", valueName: "n")) var smallStores = 3
    @Option(help: ArgumentHelp("Regions of the small cluster.", valueName: "n")) var smallRegions = 10
    @Option(help: ArgumentHelp("Stores of the large cluster.", valueName: "n")) var stores = 100
    @Option(help: ArgumentHelp("Regions of the large cluster.", valueName: "n")) var regions = 1_000_000
    @Option(help: ArgumentHelp("Ticks measured per size.", valueName: "n")) var ticks = 30
    @Option(help: ArgumentHelp("Ticks run before measuring, per size.", valueName: "n")) var warmup = 5
    @Flag(help: "Print the table as markdown.") var markdown = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try CLILogging.bootstrap(level: nil, fallback: .warning)
        let report = try await Self.measure(options: try options(), quiet: json)
        if json { return try Output.json(report) }
        Output.line(report.table.render(markdown: markdown))
    }

    func options() throws -> TickCostBenchmark.Options {
        for (name, value, range) in [
            ("--small-stores", smallStores, 1...1000), ("--stores", stores, 1...1000),
            ("--small-regions", smallRegions, 1...50_000_000), ("--regions", regions, 1...50_000_000),
            ("--ticks", ticks, 1...100_000), ("--warmup", warmup, 0...100_000),
        ] where !range.contains(value) {
            throw CLIFailure("\(name) must be \(range.lowerBound)…\(range.upperBound), got \(value)", exitCode: 2)
        }
        var options = TickCostBenchmark.Options()
        options.sizes = TickCostBenchmark.sizes(small: .init(stores: smallStores, regions: smallRegions), large: .init(stores: stores, regions: regions))
        options.ticks = ticks
        options.warmupTicks = warmup
        return options
    }

    static func measure(options: TickCostBenchmark.Options, quiet: Bool) async throws -> TickCostReport {
        let logger = Logger(label: "operator.bench")
        let directory = try WorkDirectory(prefix: "operator-bench-tick-cost")
        defer { directory.remove() }
        let benchmark = TickCostBenchmark(
            options: options, directory: directory.path, logger: logger, progress: { if !quiet { Output.note($0) } })
        return try await Interruptible.run(logger: logger) { try await benchmark.run() }
    }
}
