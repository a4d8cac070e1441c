import ArgumentParser
import DeployLocal
import Foundation
import OperatorConfiguration
import OperatorCore

struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Run a local cluster to watch: start it, see its members, stop it.",
        discussion: """
            Members run on 127.0.0.1 with their data, logs and PIDs in a state directory (default ./.operator/deploy, or $OPERATOR_STATE_DIR). They keep running after this command exits; `deploy down` stops them.
            """,
        subcommands: [Up.self, Status.self, Down.self])

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a cluster and wait until every member is healthy.",
            discussion: "Progress goes to stderr; the members and the endpoints to watch go to stdout.")

        @Option(help: ArgumentHelp("Kind of cluster (see `operator subjects`); default: $OPERATOR_SUBJECT.", valueName: "name"))
        var subject: String?
        @Option(help: ArgumentHelp("Deployment backend (default: the subject's own, `process` for etcd).", valueName: "name"))
        var backend: String?
        @Option(help: "Number of members.") var members: Int = 3
        @Option(help: ArgumentHelp("First port of the block the members listen on (default: the subject's, 2379 for etcd).", valueName: "port"))
        var basePort: Int?
        @OptionGroup var state: StateDirectoryOptions
        @Option(help: ArgumentHelp(
            "Compose file for the compose backend (default: the subject's stack, e.g. Subjects/tikv/docker-compose.yaml, looked up from the current directory upwards).",
            valueName: "path"))
        var composeFile: String?
        @Option(help: ArgumentHelp(
            "How long to wait for every member to become healthy (default: 60s; 5m for compose, whose containers start slower).",
            valueName: "duration"))
        var healthTimeout: String?
        @Option(name: .customLong("option"), help: ArgumentHelp(
            "A recipe setting as key=value, repeatable (etcd: quota-backend-bytes=1048576, or e2=1048576 for one member).",
            valueName: "key=value"))
        var options: [String] = []
        @Flag(help: "Print the deployment status as JSON when up.") var json = false

        func run() async throws {
            try CLILogging.bootstrap(level: nil, fallback: .warning)
            let name = subject ?? ProcessInfo.processInfo.environment["OPERATOR_SUBJECT"]
            guard let name else {
                throw CLIFailure(
                    "choose a subject with --subject (known: \(LinkedSubjects.registry.names.joined(separator: ", ")))", exitCode: 2)
            }
            let registration: SubjectRegistration
            do {
                registration = try LinkedSubjects.registry.registration(named: name)
            } catch {
                throw CLIFailure(error.description, exitCode: 2)
            }
            let backendName = backend ?? registration.defaultBackend ?? registration.deployments.keys.sorted().first
            guard let backendName, let recipe = registration.deployments[backendName] else {
                let known = registration.deployments.keys.sorted()
                throw CLIFailure(
                    known.isEmpty
                        ? "subject \(registration.name) has no local deployment recipe"
                        : "subject \(registration.name) has no \"\(backend ?? "")\" deployment; backends: \(known.joined(separator: ", "))",
                    exitCode: 2)
            }
            let timeout = try SettingLimits.harnessDuration("--health-timeout").parse(
                healthTimeout ?? (backendName == "compose" ? "5m" : "60s"), from: .flag("--health-timeout"))
            let directory = state.resolved
            var extra = composeFile.map { ["compose-file": URL(fileURLWithPath: $0).standardizedFileURL.path] } ?? [:]
            for option in options {
                guard let equals = option.firstIndex(of: "="), equals != option.startIndex else {
                    throw CLIFailure("--option \"\(option)\" is not key=value (e.g. --option quota-backend-bytes=1048576)", exitCode: 2)
                }
                extra[String(option[..<equals])] = String(option[option.index(after: equals)...])
            }
            let plan: DeploymentPlan
            do {
                plan = try recipe.plan(
                    DeploymentOptions(members: members, basePort: basePort, stateDirectory: directory, extra: extra))
            } catch {
                throw CLIFailure("\(error)", exitCode: 2)
            }
            var deployment = try LocalDeployments.make(plan: plan, stateDirectory: directory, recipeFaults: recipe.faults)
            if var process = deployment as? ProcessDeployment {
                process.healthTimeout = timeout
                deployment = process
            } else if var compose = deployment as? ComposeDeployment {
                compose.healthTimeout = timeout
                deployment = compose
            }
            Output.note("deploying \(registration.name) (\(backendName) backend) in \(directory)")
            let status: DeploymentStatus
            do {
                status = try await deployment.up { Output.note("  \($0)") }
            } catch let error as DeploymentError {
                throw CLIFailure(error.description)
            }
            if json { return try Output.json(status) }
            Output.line(DeployRendering.table(status))
            Output.line()
            Output.line("Watch it:  operator monitor --subject \(status.subject) --endpoints \(status.endpoints.joined(separator: ","))")
            Output.line("Break it:  operator chaos kill \(DeployCommand.killTarget(status, offers: deployment.faultOffers))  (every fault it offers: operator chaos list)")
        }
    }

    /// The entity to suggest killing: the last member, unless the first kill the deployment offers hits
    /// another kind (a simulated store, not the simulator's own process).
    static func killTarget(_ status: DeploymentStatus, offers: [FaultOffer]) -> String {
        let last = status.members.last?.entity
        guard let kind = offers.first(where: { $0.kind == "kill" })?.entityKinds.first, kind != last?.kind else {
            return last?.description ?? "member:…"
        }
        return "\(kind):<id>"
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show each member of the local deployment: process alive, health.",
            discussion: "Exit status 0 when every member is healthy, 1 otherwise.")

        @OptionGroup var state: StateDirectoryOptions
        @Flag(help: "Print the status as a JSON object.") var json = false

        func run() async throws {
            try CLILogging.bootstrap(level: nil, fallback: .warning)
            let deployment = try state.load()
            let status = try await deployment.status()
            if json {
                try Output.json(status)
            } else {
                Output.line("\(status.subject) (\(status.backend) backend) in \(state.resolved)")
                Output.line(DeployRendering.table(status))
            }
            if status.members.contains(where: { $0.state != .healthy }) { throw CLIFailure.exit(1) }
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop every member (SIGTERM, then SIGKILL after the grace period).",
            discussion: "Data directories and logs stay unless --remove-state is given.")

        @OptionGroup var state: StateDirectoryOptions
        @Flag(help: "Also delete the data directories, logs and state file.") var removeState = false
        @Option(help: ArgumentHelp("Time between SIGTERM and SIGKILL.", valueName: "duration")) var grace: String = "10s"

        func run() async throws {
            try CLILogging.bootstrap(level: nil, fallback: .warning)
            let grace = try SettingLimits.harnessDuration("--grace", minimum: .zero).parse(self.grace, from: .flag("--grace"))
            var deployment = try state.load()
            if var process = deployment as? ProcessDeployment {
                process.stopGracePeriod = grace
                deployment = process
            }
            do {
                try await deployment.down(removeState: removeState)
            } catch let error as DeploymentError {
                throw CLIFailure(error.description)
            }
            Output.line("stopped the deployment in \(state.resolved)\(removeState ? " and removed its state" : "")")
        }
    }
}

/// `--state-dir`, shared by the deploy and chaos commands.
struct StateDirectoryOptions: ParsableArguments {
    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp(
            "Where members keep data, logs and PIDs (default: $OPERATOR_STATE_DIR, else ./.operator/deploy).",
            valueName: "dir"))
    var path: String?

    var resolved: String {
        let chosen = path ?? ProcessInfo.processInfo.environment["OPERATOR_STATE_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ".operator/deploy"
        return URL(fileURLWithPath: chosen).standardizedFileURL.path
    }

    /// The deployment recorded in the state directory.
    func load() throws -> any Deployment {
        do {
            return try LocalDeployments.load(stateDirectory: resolved, recipeFaults: LinkedSubjects.recipeFaults)
        } catch {
            throw CLIFailure(error.description)
        }
    }
}

enum DeployRendering {
    static func table(_ status: DeploymentStatus) -> String {
        // Compose members have a container where process members have a PID.
        let containers = status.members.contains { $0.container != nil }
        var table = TextTable("MEMBER", "STATE", containers ? "CONTAINER" : "PID", "ENDPOINT", "DETAIL")
        for m in status.members {
            let place = containers ? m.container ?? "-" : m.pid.map(String.init) ?? "-"
            table.add(m.entity.description, m.state.rawValue, place, m.endpoint ?? "-", m.detail ?? "")
        }
        return table.render(maxCell: 120)
    }
}
