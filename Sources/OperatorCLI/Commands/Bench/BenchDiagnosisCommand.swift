import ArgumentParser
import Foundation
import Logging
import OperatorBench
import OperatorConfiguration

/// Offline diagnosis latency per incident, on realistic incidents recorded through the production path.
struct BenchDiagnosisCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnosis",
        abstract: "Offline diagnosis latency per incident (p50/p95), with each context's size in tokens.",
        discussion: """
            Self-contained: replays what Operator observed of a 3-member etcd cluster during five faults (follower killed, leader killed, quorum lost, slow disk, database near its quota) through the invariants and a temporary SQLite ticket store, then times building each open incident's diagnosis context and running the offline diagnoser over it.

            With --diagnoser openai|anthropic, each incident is also diagnosed once by that model (seconds, tokens in and out, accepted or why not), with the model settings of `operator diagnose`.
            """)

    @Option(help: ArgumentHelp("Diagnoses timed per incident.", valueName: "n"))
    var iterations: Int = 2000
    @Option(help: ArgumentHelp("Context builds timed per incident (default: iterations / 10, at least 10).", valueName: "n"))
    var buildIterations: Int?
    @Option(help: ArgumentHelp("Also diagnose each incident once with this model diagnoser (openai, anthropic).", valueName: "name"))
    var diagnoser: String?
    @Option(help: ArgumentHelp("Model id for --diagnoser (default: OPENAI_MODEL/ANTHROPIC_MODEL, operator.yaml).", valueName: "id"))
    var model: String?
    @Option(help: ArgumentHelp("Model endpoint base URL for --diagnoser.", valueName: "url")) var baseURL: String?
    @OptionGroup var limits: ModelLimitOptions
    @Option(help: ArgumentHelp("operator.yaml with a diagnosis: section (default: $OPERATOR_CONFIG, ./operator.yaml).", valueName: "path"))
    var config: String?
    @Flag(help: "Print the table as markdown.") var markdown = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try CLILogging.bootstrap(level: nil, fallback: .warning)
        var makeModel: BenchModelDiagnoser?
        if let name = diagnoser {
            guard name != "offline" else { throw CLIFailure("--diagnoser offline is what the benchmark always measures; give openai or anthropic", exitCode: 2) }
            let file = try OperatorConfigFile.load(explicitPath: config)
            let limits = try self.limits.limits(file: file)
            let overrides = DiagnoserFactory.ModelSettings(model: model, baseURL: baseURL)
            makeModel = { subject in try DiagnoserFactory.make(name, for: subject, config: file, overrides: overrides, limits: limits) }
        }
        let report = try await Self.measure(iterations: iterations, buildIterations: buildIterations, model: makeModel)
        if json { return try Output.json(report) }
        Output.line(report.table.render(markdown: markdown))
        if let table = report.modelTable {
            Output.line()
            Output.line(table.render(markdown: markdown))
        }
    }

    static func measure(iterations: Int, buildIterations: Int?, model: BenchModelDiagnoser? = nil) async throws -> DiagnosisBenchmark.Report {
        guard iterations >= 1 else { throw CLIFailure("--iterations must be at least 1, got \(iterations)", exitCode: 2) }
        let builds = buildIterations ?? max(10, iterations / 10)
        guard builds >= 1 else { throw CLIFailure("--build-iterations must be at least 1, got \(builds)", exitCode: 2) }
        return try await BenchCommand.mappingErrors {
            try await DiagnosisBenchmark.measure(
                iterations: iterations, buildIterations: builds, model: model, logger: Logger(label: "operator.bench"))
        }
    }
}
