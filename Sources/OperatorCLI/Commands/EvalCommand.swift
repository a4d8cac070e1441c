import ArgumentParser
import Foundation
import Logging
import OperatorConfiguration
import OperatorCore
import OperatorHarness

struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score a diagnoser on fault scenarios: right root-cause category and entity, or not.",
        discussion: """
            Each scenario file (YAML) starts a cluster (the embedded TiKV simulator, or real local etcd), injects its faults on schedule, runs the monitor until the fault's ticket appears, diagnoses its incident once every fault has landed, and grades it on three counts: the root-cause category and entity of every expected cause, the number of incidents the run ended with (`expect.incidents`), and false statements (`expect.forbid` texts found in any diagnosis, claims the evidence does not support, diagnoses the audit rejected). A scenario may instead replay a stored diagnosis context (`replay:`), made with `operator diagnose --incident N --replay --export-context FILE`.
            """)

    @Argument(help: ArgumentHelp("Directory of scenario files (or one file).", valueName: "dir")) var directory: String
    @Option(help: ArgumentHelp("offline (default), anthropic or openai.", valueName: "name")) var diagnoser: String = "offline"
    @Option(help: ArgumentHelp("Model id for anthropic/openai.", valueName: "id")) var model: String?
    @Option(help: ArgumentHelp("Model endpoint base URL for anthropic/openai.", valueName: "url")) var baseURL: String?
    /// --max-tokens, --model-timeout (per model call), --context-tokens, --retries.
    @OptionGroup var limits: ModelLimitOptions
    @Option(help: ArgumentHelp(
        "operator.yaml with a diagnosis: section: model settings, limits, price_per_mtok for the cost column (default: $OPERATOR_CONFIG, ./operator.yaml).",
        valueName: "path"))
    var config: String?
    @Option(help: ArgumentHelp("Monitor interval inside each scenario.", valueName: "duration")) var interval: String = "500ms"
    @Option(help: ArgumentHelp("Per-phase timeout inside each scenario.", valueName: "duration")) var timeout: String = "60s"
    @Option(help: ArgumentHelp("Only scenarios whose name contains this.", valueName: "text")) var filter: String?
    @Option(help: "Log level on stderr (trace … critical).") var logLevel: String?
    @Option(help: ArgumentHelp("Run each scenario this many times (1-20) and report flaky ones.", valueName: "n")) var `repeat`: Int = 1
    @Option(help: ArgumentHelp("Exit 1 when category+entity accuracy is below this (0-1), e.g. 0.9.", valueName: "fraction"))
    var requireAccuracy: Double?
    @Option(help: ArgumentHelp("Exit 1 when incident-count accuracy is below this (0-1).", valueName: "fraction"))
    var requireIncidentAccuracy: Double?
    @Option(help: ArgumentHelp("Exit 1 when the runs made more false statements than this.", valueName: "n"))
    var maxFalseStatements: Int?
    @Flag(help: """
        Print {accuracy, graded, correct, categories, confusion, incident_accuracy, false_statement_count, false_statements, \
        repeats, stability, skipped, diagnoser, diagnoser_calls, model, results: [{name, run, expected, got, causes, correct, incidents, \
        expected_incidents, incidents_correct, false_statements, skipped, seconds, diagnoser_calls, diagnoser_calls_total, \
        model}]}; model is {calls, input_tokens, output_tokens, seconds, cost_usd} (cost_usd with diagnosis.price_per_mtok).
        """)
    var json = false

    func validate() throws {
        guard (1...20).contains(`repeat`) else { throw ValidationError("--repeat must be between 1 and 20, got \(`repeat`)") }
        for (flag, value) in [("--require-accuracy", requireAccuracy), ("--require-incident-accuracy", requireIncidentAccuracy)] {
            if let value, !(0...1).contains(value) { throw ValidationError("\(flag) must be a fraction between 0 and 1 (0.9 for 90 %), got \(value)") }
        }
        if let maxFalseStatements, maxFalseStatements < 0 {
            throw ValidationError("--max-false-statements must be 0 or more, got \(maxFalseStatements)")
        }
    }

    func run() async throws {
        try CLILogging.bootstrap(level: logLevel, fallback: .error)
        let logger = Logger(label: "operator.eval")
        var scenarios: [EvalScenario]
        do {
            scenarios = try EvalScenario.files(in: directory).map { path throws(HarnessError) in
                try EvalScenario.load(path, registry: LinkedSubjects.registry, spellings: EvalComposition.spellings)
            }
        } catch {
            throw CLIFailure(error.description, exitCode: error.isUsage ? 2 : 1)
        }
        for note in scenarios.flatMap(\.notes) { Output.note(note) }
        if let filter { scenarios = scenarios.filter { $0.name.contains(filter) } }
        guard !scenarios.isEmpty else { throw CLIFailure("no scenario matches", exitCode: 2) }
        let file = try OperatorConfigFile.load(explicitPath: config)
        let runner = EvalRunner(
            registry: LinkedSubjects.registry,
            diagnosers: EvalComposition.Diagnosers(
                name: diagnoser, overrides: .init(model: model, baseURL: baseURL), config: file, limits: try limits.limits(file: file)),
            targets: { scenario, work, logger in try await EvalComposition.target(scenario, workDirectory: work, logger: logger) },
            pendingWork: { InFlightHTTPRequests() },
            interval: try DemoCommand.duration(interval, flag: "--interval"), timeout: try DemoCommand.duration(timeout, flag: "--timeout"),
            price: try file.modelPrice(), logger: logger)
        let quiet = json
        let chosen = scenarios
        let repeats = `repeat`
        let results = try await Interruptible.run(logger: logger) {
            var results: [EvalRunner.Outcome] = []
            for scenario in chosen {
                for index in 1...repeats {
                    try Task.checkCancellation()
                    if !quiet { Output.note("running \(scenario.name)\(repeats > 1 ? " (\(index)/\(repeats))" : "") …") }
                    results.append(await runner.run(scenario, run: index))
                }
            }
            return results
        }
        let report = EvalReport(diagnoser: diagnoser, repeats: repeats, results: results)
        if json { try Output.json(report) } else { Output.line(EvalReportText.render(report)) }
        let shortfalls = report.shortfalls(
            requireAccuracy: requireAccuracy, requireIncidentAccuracy: requireIncidentAccuracy, maxFalseStatements: maxFalseStatements)
        if !shortfalls.isEmpty { throw CLIFailure("eval below the bar: " + shortfalls.joined(separator: "; "), exitCode: 1) }
    }
}
