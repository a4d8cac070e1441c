import ArgumentParser
import Logging
import OperatorBench

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Operator against a baseline run in the same process: printed numbers and ratios.",
        discussion: """
            Build with optimisations for numbers worth recording: `swift run -c release operator bench all`. Docs/benchmarks.md keeps the latest table, the machine and the command.
            """,
        subcommands: [
            BenchAllCommand.self, BenchDetectionCommand.self, BenchTickCostCommand.self, BenchLogsCommand.self, BenchDiagnosisCommand.self,
            BenchResponsesCommand.self, BenchServeCommand.self, BenchClustersCommand.self,
        ])

    /// Runs a benchmark that starts this executable's simulators (`operator simulate run`): Ctrl-C stops everything
    /// it started and exits 130, errors map as in `mappingErrors`, progress lines go to stderr unless `quiet`.
    static func measure<T: Sendable>(
        quiet: Bool,
        _ body: @escaping @Sendable (_ executable: String, _ logger: Logger, _ progress: @escaping @Sendable (String) -> Void) async throws -> T
    ) async throws -> T {
        let logger = Logger(label: "operator.bench")
        let executable = SimulatorDeploymentRecipe.currentExecutable()
        return try await mappingErrors {
            try await Interruptible.run(logger: logger) {
                try await body(executable, logger, { if !quiet { Output.note($0) } })
            }
        }
    }

    /// Runs library benchmark code and reports its errors as the CLI does: bad input exits 2, an
    /// interruption 130 (everything started was stopped), any other failure 1.
    static func mappingErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as BenchmarkError {
            switch error.kind {
            case .badInput: throw CLIFailure(error.description, exitCode: 2)
            case .interrupted: throw CLIFailure(error.description, exitCode: 130)
            case .failed: throw CLIFailure(error.description)
            }
        }
    }
}
