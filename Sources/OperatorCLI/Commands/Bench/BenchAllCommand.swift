import ArgumentParser
import Foundation
import OperatorBench
import OperatorCore

/// Every benchmark in one run, every table in markdown: what Docs/benchmarks.md records.
struct BenchAllCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all",
        abstract: "Run every benchmark and print every table as markdown (for Docs/benchmarks.md).",
        discussion: """
            Defaults are the sizes issue 8 asks for: 10 kills, a 1 GiB log, 100 stores with 1,000,000 regions. A part that cannot run (a program not installed) is reported with the reason and the others still run; the exit status is 1 if any part failed.
            """)

    @Option(help: ArgumentHelp("Kills for the detection benchmark.", valueName: "n")) var kills: Int = 10
    @Option(help: ArgumentHelp("Size of the generated TiKV log for the log benchmark.", valueName: "size")) var logSize: String = "1GiB"
    @Option(help: ArgumentHelp("Diagnoses timed per incident.", valueName: "n")) var iterations: Int = 2000
    @Option(help: ArgumentHelp("Stores of the large simulated cluster for tick cost.", valueName: "n")) var stores = 100
    @Option(help: ArgumentHelp("Regions of the large simulated cluster for tick cost.", valueName: "n")) var regions = 1_000_000
    @Option(help: "Skip these parts (detection, tick-cost, logs, diagnosis); repeatable.") var skip: [String] = []

    static let parts = ["detection", "tick-cost", "logs", "diagnosis"]

    func run() async throws {
        if let unknown = skip.first(where: { !Self.parts.contains($0) }) {
            throw CLIFailure("--skip \(unknown): known parts are \(Self.parts.joined(separator: ", "))", exitCode: 2)
        }
        try CLILogging.bootstrap(level: nil, fallback: .warning)
        Output.line("## Benchmarks")
        Output.line()
        Output.line(BenchMachine.current().markdown)
        var failed: [String] = []
        for part in Self.parts where !skip.contains(part) {
            Output.note("== bench \(part)")
            let started = ContinuousClock.now
            do {
                try await runPart(part)
            } catch let failure as CLIFailure where failure.exitCode == 130 {
                throw failure
            } catch {
                failed.append(part)
                Output.line("### \(part): not run")
                Output.line()
                Output.line("- \(error)")
            }
            Output.line()
            Output.note("   (\(part) took \(BenchFormat.duration((ContinuousClock.now - started).seconds)))")
        }
        if !failed.isEmpty {
            Output.error("bench all: \(failed.joined(separator: ", ")) did not run; see the sections above")
            throw CLIFailure.exit(1)
        }
    }

    private func runPart(_ part: String) async throws {
        switch part {
        case "detection":
            var options = DetectionBenchmark.Options()
            guard kills >= 1 else { throw CLIFailure("--kills must be at least 1", exitCode: 2) }
            options.kills = kills
            let report = try await BenchDetectionCommand.measure(options: options, quiet: false)
            Output.line(report.tables.map { $0.render(markdown: true) }.joined(separator: "\n\n"))
        case "logs":
            let command = try BenchLogsCommand.parse(["--size", logSize, "--markdown"])
            try await command.run()
        case "diagnosis":
            let report = try await BenchDiagnosisCommand.measure(iterations: iterations, buildIterations: nil)
            Output.line(report.table.render(markdown: true))
        case "tick-cost":
            var options = TickCostBenchmark.Options()
            options.sizes = TickCostBenchmark.sizes(small: .init(stores: 3, regions: 10), large: .init(stores: stores, regions: regions))
            let report = try await BenchTickCostCommand.measure(options: options, quiet: false)
            Output.line(report.table.render(markdown: true))
        default:
            throw CLIFailure("unknown part \(part)", exitCode: 2)
        }
    }
}
