import ArgumentParser
import Foundation
import OperatorConfiguration
import OperatorCore
import TicketStorePostgres

@main
struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator",
        abstract: "Watch a distributed database cluster the way an SRE would.",
        discussion: """
            Operator observes a cluster, checks invariants on a loop, opens deduplicated tickets grouped into incidents, and diagnoses each incident (offline rules by default; Claude or an OpenAI-compatible model when configured). It never acts on the cluster on its own.

            Start with `operator demo`. Settings come from flags, then environment variables, then operator.yaml (see `--config`).
            """,
        subcommands: [
            SubjectsCommand.self,
            StatusCommand.self,
            CheckCommand.self,
            MonitorCommand.self,
            TicketsCommand.self,
            IncidentsCommand.self,
            NotificationsCommand.self,
            DatabaseCommand.self,
            DiagnoseCommand.self,
            LogsCommand.self,
            BenchCommand.self,
            DeployCommand.self,
            ChaosCommand.self,
            SimulateCommand.self,
            DemoCommand.self,
            EvalCommand.self,
            ServeCommand.self,
        ]
    )

    /// Runs the command and maps failures to exit codes: 0 success, 1 failure (or violations found),
    /// 2 bad usage, a bad setting, a database that cannot be opened, or an unobservable cluster.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CLIFailure {
            if !failure.message.isEmpty { Output.error(failure.message) }
            Foundation.exit(failure.exitCode)
        } catch let error as ConfigurationError {
            // A setting from a flag, the environment or operator.yaml that cannot be used: bad usage.
            Output.error(error.message)
            Foundation.exit(2)
        } catch let error as SQLiteTicketStore.OpenError {
            // Exit 1 means "violations found" to `check`; a database that cannot be opened is not that.
            Output.error(error.description)
            Foundation.exit(2)
        } catch let error as PostgresLocationError {
            Output.error(error.description)
            Foundation.exit(2)
        } catch let error as PostgresStoreError {
            // The server, login or database named in --db cannot be used.
            Output.error(error.description)
            Foundation.exit(2)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { Output.line(message) }
                Foundation.exit(0)
            }
            if !message.isEmpty { Output.error(message) }
            // Usage errors exit 2, like the rest of our "cannot proceed as asked" failures.
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}

/// An error the CLI reports in one line, with its own exit code.
struct CLIFailure: Error, CustomStringConvertible {
    var message: String
    var exitCode: Int32

    init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }

    var description: String { message }

    /// Exit quietly with a code (the command already printed what it had to say).
    static func exit(_ code: Int32) -> CLIFailure { CLIFailure("", exitCode: code) }
}
