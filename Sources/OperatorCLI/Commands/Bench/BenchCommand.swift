import ArgumentParser
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
