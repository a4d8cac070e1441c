import ArgumentParser
import Foundation
import Logging
import OperatorCore
import OperatorHarness

struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score a diagnoser on fault scenarios: right root-cause category and entity, or not.",
        discussion: """
            Each scenario file (YAML) starts a cluster (the embedded TiKV simulator, or real local etcd), injects its faults on schedule, runs the monitor until the fault's ticket appears, diagnoses its incident once every fault has landed, and compares the category and entity with `expect`. A scenario may instead replay a stored diagnosis context (`replay:`), made with `operator diagnose --incident N --replay --export-context FILE`.
            """)

    @Argument(help: ArgumentHelp("Directory of scenario files (or one file).", valueName: "dir")) var directory: String
    @Option(help: ArgumentHelp("offline (default), anthropic or openai.", valueName: "name")) var diagnoser: String = "offline"
    @Option(help: ArgumentHelp("Model id for anthropic/openai.", valueName: "id")) var model: String?
    @Option(help: ArgumentHelp("Model endpoint base URL for anthropic/openai.", valueName: "url")) var baseURL: String?
    @Option(help: ArgumentHelp("Monitor interval inside each scenario.", valueName: "duration")) var interval: String = "500ms"
    @Option(help: ArgumentHelp("Per-phase timeout inside each scenario.", valueName: "duration")) var timeout: String = "60s"
    @Option(help: ArgumentHelp("Only scenarios whose name contains this.", valueName: "text")) var filter: String?
    @Option(help: "Log level on stderr (trace … critical).") var logLevel: String?
    @Flag(help: "Print {accuracy, diagnoser, diagnoser_calls, results: [{name, expected, got, correct, seconds, diagnoser_calls, diagnoser_calls_total}]}.")
    var json = false

    struct Report: Encodable {
        var accuracy: Double
        var diagnoser: String
        /// Every diagnoser call of every scenario: free with `offline`, paid requests with a model.
        var diagnoserCalls: Int
        var results: [EvalRunner.Outcome]

        enum CodingKeys: String, CodingKey {
            case accuracy, diagnoser
            case diagnoserCalls = "diagnoser_calls"
            case results
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
        let runner = EvalRunner(
            registry: LinkedSubjects.registry,
            diagnosers: EvalComposition.Diagnosers(name: diagnoser, overrides: .init(model: model, baseURL: baseURL)),
            targets: { scenario, work, logger in try await EvalComposition.target(scenario, workDirectory: work, logger: logger) },
            pendingWork: { InFlightHTTPRequests() },
            interval: try DemoCommand.duration(interval, flag: "--interval"), timeout: try DemoCommand.duration(timeout, flag: "--timeout"),
            logger: logger)
        let quiet = json
        let chosen = scenarios
        let results = try await Interruptible.run(logger: logger) {
            var results: [EvalRunner.Outcome] = []
            for scenario in chosen {
                try Task.checkCancellation()
                if !quiet { Output.note("running \(scenario.name) …") }
                results.append(await runner.run(scenario))
            }
            return results
        }
        let accuracy = Double(results.filter(\.correct).count) / Double(results.count)
        let calls = results.map(\.diagnoserCallsTotal).reduce(0, +)
        if json { return try Output.json(Report(accuracy: accuracy, diagnoser: diagnoser, diagnoserCalls: calls, results: results)) }
        var table = TextTable("SCENARIO", "EXPECTED", "GOT", "CORRECT", "DIAGNOSER CALLS", "SECONDS")
        for r in results {
            let others = r.diagnoserCallsTotal - r.diagnoserCalls
            table.add(
                r.name, "\(r.expected.category) on \(r.expected.entity)",
                r.got.map { "\($0.category) on \($0.entity)" } ?? "error: \(r.error ?? "-")", r.correct ? "yes" : "NO",
                "\(r.diagnoserCalls)" + (others > 0 ? " (+\(others) other incidents)" : ""),
                String(format: "%.1f", r.seconds))
        }
        Output.line(table.render(maxCell: 90))
        Output.line()
        Output.line(String(format: "accuracy: %d/%d = %.0f%% (diagnoser: %@)", results.filter(\.correct).count, results.count, accuracy * 100, diagnoser))
        let cost = diagnoser == "offline" ? "offline: local rules, no request, free" : "\(diagnoser): one model request each"
        Output.line("diagnoser calls: \(calls) in \(results.count) scenarios (\(cost))")
    }
}
