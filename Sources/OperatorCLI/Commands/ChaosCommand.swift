import ArgumentParser
import DeployLocal
import Foundation
import OperatorCore

struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract: "Break a member of the local deployment on purpose, and bring it back.",
        subcommands: [Kill.self, Restart.self])

    struct Kill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hard-kill one member (SIGKILL): the fault Operator should detect and explain.")

        @Argument(help: ArgumentHelp("The member to kill, e.g. member:e3 (see `operator deploy status`).", valueName: "entity"))
        var member: String
        @OptionGroup var state: StateDirectoryOptions

        func run() async throws {
            let (deployment, entity) = try ChaosCommand.target(member, state)
            try await ChaosCommand.perform { try await deployment.kill(entity) }
            Output.line("killed \(entity) (SIGKILL)")
        }
    }

    struct Restart: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start one member again with its original arguments and data, and wait until it is healthy.")

        @Argument(help: ArgumentHelp("The member to restart, e.g. member:e3.", valueName: "entity"))
        var member: String
        @OptionGroup var state: StateDirectoryOptions

        func run() async throws {
            let (deployment, entity) = try ChaosCommand.target(member, state)
            try await ChaosCommand.perform { try await deployment.restart(entity) }
            Output.line("restarted \(entity); it is healthy")
        }
    }

    static func target(_ text: String, _ state: StateDirectoryOptions) throws -> (any Deployment, Entity) {
        try CLILogging.bootstrap(level: nil, fallback: .warning)
        let entity: Entity
        do {
            entity = try Entity(parsing: text)
        } catch {
            throw CLIFailure(error.description, exitCode: 2)
        }
        return (try state.load(), entity)
    }

    /// Maps deployment errors to CLI failures: an unknown member is a usage error (exit 2).
    static func perform(_ action: () async throws -> Void) async throws {
        do {
            try await action()
        } catch let error as DeploymentError {
            if case .unknownMember = error { throw CLIFailure(error.description, exitCode: 2) }
            throw CLIFailure(error.description)
        }
    }
}
