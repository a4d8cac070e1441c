import ArgumentParser
import Foundation
import Logging

/// Offline diagnosis latency per incident, on realistic incidents recorded through the production path.
struct BenchDiagnosisCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnosis",
        abstract: "Offline diagnosis latency per incident (p50/p95), with each context's size in tokens.",
        discussion: """
            Self-contained: replays what Operator observed of a 3-member etcd cluster during five faults (follower killed, leader killed, quorum lost, slow disk, database near its quota) through the invariants and a temporary SQLite ticket store, then times building each open incident's diagnosis context and running the offline diagnoser over it.
            """)

    @Option(help: ArgumentHelp("Diagnoses timed per incident.", valueName: "n"))
    var iterations: Int = 2000
    @Option(help: ArgumentHelp("Context builds timed per incident (default: iterations / 10, at least 10).", valueName: "n"))
    var buildIterations: Int?
    @Flag(help: "Print the table as markdown.") var markdown = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try CLILogging.bootstrap(level: nil, fallback: .warning)
        let report = try await Self.measure(iterations: iterations, buildIterations: buildIterations)
        if json { return try Output.json(report) }
        Output.line(report.table.render(markdown: markdown))
    }

    static func measure(iterations: Int, buildIterations: Int?) async throws -> DiagnosisBenchmark.Report {
        guard iterations >= 1 else { throw CLIFailure("--iterations must be at least 1, got \(iterations)", exitCode: 2) }
        let builds = buildIterations ?? max(10, iterations / 10)
        guard builds >= 1 else { throw CLIFailure("--build-iterations must be at least 1, got \(builds)", exitCode: 2) }
        let directory = try WorkDirectory(prefix: "operator-bench-diagnosis")
        defer { directory.remove() }
        let benchmark = DiagnosisBenchmark(
            iterations: iterations, buildIterations: builds, directory: directory.path, logger: Logger(label: "operator.bench"))
        return try await benchmark.run()
    }
}
