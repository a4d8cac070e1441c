import ArgumentParser
import DeployLocal
import Foundation
import OperatorCore

/// `operator chaos`: faults from the current deployment's vocabulary (`chaos list`), the same words on
/// every backend: processes, compose, the TiKV simulator.
struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract: "Break a member of the local deployment on purpose, and bring it back.",
        discussion: """
            operator chaos list                    what this deployment can inject
            operator chaos inject stop member:e2   (process backend: SIGSTOP)
            operator chaos lift stop member:e2
            operator chaos inject slow-disk store:3   (TiKV simulator backend)
            """,
        subcommands: [List.self, Inject.self, Lift.self, Kill.self, Restart.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the faults the current deployment offers.")

        @OptionGroup var state: StateDirectoryOptions
        @Flag(help: "Print the offers as a JSON array.") var json = false

        func run() async throws {
            try CLILogging.bootstrap(level: nil, fallback: .warning)
            let deployment = try state.load()
            let offers = deployment.faultOffers
            if json { return try Output.json(offers) }
            var table = TextTable("FAULT", "TARGET", "LIFT", "WHAT IT DOES")
            for offer in offers {
                table.add(
                    offer.kind, offer.entityKinds.map { $0 == Entity.cluster.kind ? $0 : "\($0):<id>" }.joined(separator: " "),
                    offer.lift ?? "-", offer.unavailable.map { "\(offer.summary); NOT AVAILABLE HERE: \($0)" } ?? offer.summary)
            }
            Output.line("\(deployment.backend) backend in \(state.resolved)")
            Output.line(table.render(maxCell: 120))
        }
    }

    struct Inject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Inject a fault (see `operator chaos list`) into one entity.")

        @Argument(help: ArgumentHelp("Fault kind, e.g. kill, stop, slow-disk.", valueName: "kind")) var kind: String
        @Argument(help: ArgumentHelp("Target, e.g. member:e3 or store:3.", valueName: "entity")) var entity: String
        @OptionGroup var state: StateDirectoryOptions

        func run() async throws {
            let (deployment, target) = try ChaosCommand.target(entity, state)
            let fault = DeploymentFault(kind: kind, entity: target)
            try await ChaosCommand.perform { try await deployment.inject(fault) }
            Output.line("injected \(fault)")
        }
    }

    struct Lift: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift a fault injected earlier.")

        @Argument(help: ArgumentHelp("Fault kind, as injected.", valueName: "kind")) var kind: String
        @Argument(help: ArgumentHelp("Target, as injected.", valueName: "entity")) var entity: String
        @OptionGroup var state: StateDirectoryOptions

        func run() async throws {
            let (deployment, target) = try ChaosCommand.target(entity, state)
            let fault = DeploymentFault(kind: kind, entity: target)
            try await ChaosCommand.perform { try await deployment.lift(fault) }
            Output.line("lifted \(fault)")
        }
    }

    struct Kill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hard-kill one member (SIGKILL): the fault Operator should detect and explain.")

        @Argument(help: ArgumentHelp("The member to kill, e.g. member:e3 (see `operator deploy status`).", valueName: "entity"))
        var member: String
        @OptionGroup var state: StateDirectoryOptions

        func run() async throws {
            let (deployment, entity) = try ChaosCommand.target(member, state)
            let kill = DeploymentFault(kind: "kill", entity: entity)
            try await ChaosCommand.perform { try await deployment.inject(kill) }
            let how = deployment.faultOffers.first { $0.applies(to: kill) }?.summary ?? ""
            Output.line("killed \(entity)\(how.contains("SIGKILL") ? " (SIGKILL)" : "")")
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
            // Where the backend has no restart for this entity (a simulated store), lifting the kill is one.
            let restart = DeploymentFault(kind: "restart", entity: entity)
            if deployment.faultOffers.contains(where: { $0.applies(to: restart) }) {
                try await ChaosCommand.perform { try await deployment.inject(restart) }
                Output.line("restarted \(entity); it is healthy")
            } else {
                try await ChaosCommand.perform { try await deployment.lift(DeploymentFault(kind: "kill", entity: entity)) }
                Output.line("restarted \(entity)")
            }
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

    /// Maps deployment errors to CLI failures: an unknown member or a fault not offered is a usage error (exit 2).
    static func perform(_ action: () async throws -> Void) async throws {
        do {
            try await action()
        } catch let error as UnsupportedFaultError {
            throw CLIFailure(error.description, exitCode: 2)
        } catch let error as DeploymentError {
            if case .unknownMember = error { throw CLIFailure(error.description, exitCode: 2) }
            throw CLIFailure(error.description)
        }
    }
}
