import Foundation
import Logging
import OperatorCore

/// Runs a subject's cluster as a compose stack, from a ``ComposeClusterPlan``, over `docker compose` (v2
/// plugin) or `docker-compose` (v1), whichever is installed (the plugin when both are).
///
/// `up` checks the engine and the images first (naming any image it cannot pull), runs `up -d`, waits
/// until every container passes its healthcheck and every health URL answers, then reports each member
/// (members the cluster numbers itself, such as TiKV stores, as the cluster lists them). `kill` is
/// `docker kill` (SIGKILL) of the member's container, `restart` is `docker start`. Containers are found
/// through compose's project and service labels, so the state file only records the plan.
public struct ComposeDeployment: Deployment {
    public let backend = ComposeDeploymentState.backend
    public let plan: ComposeClusterPlan
    /// Absolute.
    public let stateDirectory: String
    /// PATH to find docker and compose in, DOCKER_HOST, … (the plan's compose variables are added).
    public let environment: [String: String]
    /// How long `up` and `restart` wait for health; first pulls are checked before, so this is start-up only.
    public var healthTimeout: Duration
    let logger: Logger
    private let tools = ToolCache()

    public init(
        plan: ComposeClusterPlan, stateDirectory: String,
        environment: [String: String] = ProcessInfo.processInfo.environment, healthTimeout: Duration = .seconds(300),
        logger: Logger = Logger(label: "operator.deploy.compose")
    ) {
        self.plan = plan
        self.stateDirectory = Self.absolute(stateDirectory)
        self.environment = environment
        self.healthTimeout = healthTimeout
        self.logger = logger
    }

    /// The stack recorded in `stateDirectory` by an earlier `up`.
    public static func load(
        stateDirectory: String, environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "operator.deploy.compose")
    ) throws(DeploymentError) -> ComposeDeployment {
        let state = try StateFile.read(ComposeDeploymentState.self, from: absolute(stateDirectory))
        return ComposeDeployment(plan: state.plan, stateDirectory: stateDirectory, environment: environment, logger: logger)
    }

    // MARK: - up

    public func up(progress: @escaping @Sendable (String) -> Void) async throws -> DeploymentStatus {
        let cli = try await commands(for: plan)
        try await cli.checkEngine()
        var resolved = plan
        resolved.composeFile = try ComposeFileLocator.resolve(plan.composeFile)
        progress("using \(cli.compose) with the Docker engine at \(cli.host); compose file \(resolved.composeFile)")

        let config = try await configuration(resolved, cli: cli)
        for service in Set(resolved.services.values).sorted() where config.services[service] == nil {
            throw ComposeError.serviceMissing(service: service, composeFile: resolved.composeFile, known: config.serviceNames)
        }
        try await ensureImages(config, plan: resolved, cli: cli, progress: progress)

        try prepareStateDirectory()
        try StateFile.write(
            ComposeDeploymentState(plan: resolved, tool: cli.compose.description, startedAt: Date(), notes: [:]),
            to: stateDirectory)

        let active = config.serviceNames.filter { config.isActive($0, enabledProfiles: resolved.profiles) }
        progress("starting \(active.count) service(s) of project \(resolved.projectName): \(active.joined(separator: ", "))")
        try await cli.compose(
            ["up", "--detach"], project: resolved.projectName, file: resolved.composeFile, profiles: resolved.profiles,
            timeout: .seconds(1800))
        logger.info("compose stack started", metadata: ["project": "\(resolved.projectName)", "file": "\(resolved.composeFile)"])

        progress("waiting for health (up to \(DurationText.format(healthTimeout)))")
        try await waitUntilHealthy(services: active, plan: resolved, cli: cli, progress: progress)
        let status = try await status(of: resolved, notes: [:], cli: cli)
        progress("stack healthy; endpoints: \(status.endpoints.joined(separator: ","))")
        return status
    }

    private func configuration(_ plan: ComposeClusterPlan, cli: DockerCommands) async throws(ComposeError) -> ComposeConfig {
        let output = try await cli.compose(
            ["config"], project: plan.projectName, file: plan.composeFile, profiles: plan.profiles, timeout: .seconds(60))
        return try ComposeConfig.parse(output.standardOutput, source: plan.composeFile)
    }

    /// Pulls missing images one by one before `up`, so an unreachable registry is reported with the image's
    /// name rather than as a failed `up`.
    private func ensureImages(
        _ config: ComposeConfig, plan: ComposeClusterPlan, cli: DockerCommands,
        progress: @escaping @Sendable (String) -> Void
    ) async throws(ComposeError) {
        let readme = Self.readme(besides: plan.composeFile)
        for (image, services) in config.pulledImages(enabledProfiles: plan.profiles) {
            if await cli.imageIsPresent(image) { continue }
            progress("pulling \(image) for \(services.joined(separator: ", "))")
            try await cli.pull(image, services: services, readme: readme)
        }
    }

    static func readme(besides composeFile: String) -> String? {
        let path = ((composeFile as NSString).deletingLastPathComponent as NSString).appendingPathComponent("README.md")
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// Polls containers and health URLs until every watched service's container is running and passes its
    /// healthcheck (if it has one) and, with `probeURLs`, every health URL answers 2xx. A container that
    /// exits fails the wait with its last log lines; services outside the plan that exit 0 (one-shot jobs)
    /// count as done.
    private func waitUntilHealthy(
        services: [String], plan: ComposeClusterPlan, probeURLs: Bool = true, cli: DockerCommands,
        progress: @escaping @Sendable (String) -> Void
    ) async throws(ComposeError) {
        let clock = ContinuousClock()
        let start = clock.now
        let members = Set(plan.services.values)
        var lastLine = ""
        var lastLineAt = start
        while true {
            if Task.isCancelled { throw .interrupted(while: "waiting for \(services.joined(separator: ", ")) to become healthy") }
            let containers = try await cli.containers(project: plan.projectName).filter { !$0.isOneOff }
            var pending: [String] = []
            var firstPending: ComposeContainer?
            for service in services {
                guard let container = containers.first(where: { $0.service == service }) else {
                    pending.append("\(service): no container yet")
                    continue
                }
                if container.status == "exited" || container.status == "dead" {
                    if container.exitCode == 0 && !members.contains(service) { continue }
                    throw .containerExited(
                        service: service, container: container.name, how: container.stateDescription,
                        logExcerpt: await cli.logTail(container))
                }
                if !container.isReady {
                    pending.append("\(service): \(container.stateDescription)")
                    if firstPending == nil { firstPending = container }
                }
            }
            let probes = await withTaskGroup(of: HealthProbe.Result.self) { group in
                for url in plan.healthURLs where probeURLs { group.addTask { await HealthProbe.check(url, timeout: .seconds(2)) } }
                var out: [HealthProbe.Result] = []
                for await result in group { out.append(result) }
                return out
            }
            pending += probes.compactMap(\.reason)
            let elapsed = clock.now - start
            if pending.isEmpty {
                progress("all \(services.count) service(s) healthy after \(DurationText.format(elapsed))")
                return
            }
            if elapsed >= healthTimeout {
                let excerpt: String
                if let firstPending {
                    excerpt = "last log lines of \(firstPending.name):\n" + (await cli.logTail(firstPending))
                } else {
                    excerpt = ""
                }
                throw .unhealthy(waited: DurationText.format(healthTimeout), pending: pending, logExcerpt: excerpt)
            }
            let ready = services.count - pending.filter { line in services.contains { line.hasPrefix("\($0):") } }.count
            let line = "waiting for health: \(ready)/\(services.count) service(s) ready; \(pending.joined(separator: "; "))"
            if line != lastLine || clock.now - lastLineAt >= .seconds(10) {
                progress("\(line) (\(DurationText.format(elapsed)))")
                lastLine = line
                lastLineAt = clock.now
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    // MARK: - status

    public func status() async throws -> DeploymentStatus {
        let state = try StateFile.read(ComposeDeploymentState.self, from: stateDirectory)
        let cli = try await commands(for: state.plan)
        return try await status(of: state.plan, notes: state.notes, cli: cli)
    }

    private func status(
        of plan: ComposeClusterPlan, notes: [String: String], cli: DockerCommands
    ) async throws(ComposeError) -> DeploymentStatus {
        let members = try await members(of: plan, notes: notes, cli: cli)
        return DeploymentStatus(subject: plan.subject, backend: backend, members: members.statuses(), endpoints: plan.endpoints)
    }

    /// Containers, plus the cluster's member list when the plan has a directory; a directory that does
    /// not answer is reported on the members, not thrown (the containers are still worth showing).
    private func members(
        of plan: ComposeClusterPlan, notes: [String: String], cli: DockerCommands
    ) async throws(ComposeError) -> ComposeMembers {
        let containers = try await cli.containers(project: plan.projectName)
        var listed: [DirectoryMember] = []
        var problem: String?
        if let directory = plan.memberDirectory {
            do {
                listed = try await MemberDirectoryClient.list(directory)
            } catch {
                problem = error.description
                logger.warning("member directory unavailable", metadata: ["reason": "\(error)"])
            }
        }
        return ComposeMembers(plan: plan, containers: containers, listed: listed, directoryProblem: problem, notes: notes)
    }

    // MARK: - down

    public func down(removeState: Bool) async throws {
        let state = try StateFile.read(ComposeDeploymentState.self, from: stateDirectory)
        let cli = try await commands(for: state.plan)
        var arguments = ["down", "--remove-orphans"]
        if removeState { arguments.append("--volumes") }
        try await cli.compose(
            arguments, project: state.plan.projectName, file: state.plan.composeFile, profiles: state.plan.profiles,
            timeout: .seconds(600))
        logger.info("compose stack removed", metadata: ["project": "\(state.plan.projectName)", "volumes": "\(removeState)"])
        if removeState {
            StateFile.remove(from: stateDirectory)
            if (try? FileManager.default.contentsOfDirectory(atPath: stateDirectory))?.isEmpty == true {
                try? FileManager.default.removeItem(atPath: stateDirectory)
            }
        } else {
            _ = try? StateFile.update(ComposeDeploymentState.self, in: stateDirectory) { s in
                s.notes = [:]
            }
        }
    }

    // MARK: - chaos

    public func kill(_ member: Entity) async throws {
        let state = try StateFile.read(ComposeDeploymentState.self, from: stateDirectory)
        let cli = try await commands(for: state.plan)
        let (entity, container) = try await runningContainer(of: member, plan: state.plan, cli: cli)
        try await cli.kill(container)
        // `docker kill` returns once the signal is sent; wait until the engine has seen the exit.
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline,
            try await cli.container(project: state.plan.projectName, service: container.service)?.isRunning == true
        {
            try? await Task.sleep(for: .milliseconds(100))
        }
        logger.notice("member killed", metadata: ["member": "\(entity)", "container": "\(container.name)"])
        _ = try StateFile.update(ComposeDeploymentState.self, in: stateDirectory) { s in
            s.notes[entity.description] = "killed by chaos kill (docker kill \(container.name)) at \(Timestamp.format(Date()))"
        }
    }

    public func restart(_ member: Entity) async throws {
        let state = try StateFile.read(ComposeDeploymentState.self, from: stateDirectory)
        let cli = try await commands(for: state.plan)
        let (entity, service) = try await service(of: member, plan: state.plan, cli: cli)
        guard let container = try await cli.container(project: state.plan.projectName, service: service) else {
            throw DeploymentError.notRunning(entity, detail: "service \(service) has no container; run `operator deploy up` again")
        }
        if container.isRunning {
            try await cli.docker(["restart", container.id])
        } else {
            try await cli.start(container)
        }
        logger.notice("member restarted", metadata: ["member": "\(entity)", "container": "\(container.name)"])
        _ = try StateFile.update(ComposeDeploymentState.self, in: stateDirectory) { s in
            s.notes[entity.description] = nil
        }
        // The plan's health URLs are the whole stack's (other members may be down on purpose): wait for
        // this container's own healthcheck only.
        try await waitUntilHealthy(services: [service], plan: state.plan, probeURLs: false, cli: cli, progress: { _ in })
    }

    func runningContainer(
        of member: Entity, plan: ComposeClusterPlan, cli: DockerCommands
    ) async throws -> (Entity, ComposeContainer) {
        let (entity, service) = try await service(of: member, plan: plan, cli: cli)
        guard let container = try await cli.container(project: plan.projectName, service: service) else {
            throw DeploymentError.notRunning(entity, detail: "service \(service) has no container; run `operator deploy up` first")
        }
        guard container.isRunning else {
            let state = try? StateFile.read(ComposeDeploymentState.self, from: stateDirectory)
            let note = state?.notes[entity.description].map { ", \($0)" } ?? ""
            throw DeploymentError.notRunning(entity, detail: "container \(container.name) \(container.stateDescription)\(note)")
        }
        return (entity, container)
    }

    /// The compose service running `member`: from the plan's fixed services, else (for the directory's
    /// kind, e.g. `store:4`) from the address the cluster lists for it. The directory is asked only then.
    func service(
        of member: Entity, plan: ComposeClusterPlan, cli: DockerCommands
    ) async throws -> (Entity, String) {
        if let service = plan.services[member.description] { return (member, service) }
        let members = try await members(of: plan, notes: [:], cli: cli)
        return (member, try members.service(of: member))
    }

    // MARK: - support

    func commands(for plan: ComposeClusterPlan) async throws(ComposeError) -> DockerCommands {
        var merged = environment
        merged.merge(plan.environment) { _, planned in planned }
        return try await tools.commands(environment: merged)
    }

    private func prepareStateDirectory() throws(DeploymentError) {
        do {
            try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        } catch {
            throw .stateDirectory(path: stateDirectory, reason: "\(error)")
        }
    }

    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .standardizedFileURL.path
    }
}

/// Detects docker and the compose program once per deployment value, not once per command.
private actor ToolCache {
    private var cached: DockerCommands?

    func commands(environment: [String: String]) async throws(ComposeError) -> DockerCommands {
        if let cached, cached.environment == environment { return cached }
        let found = try await DockerCommands.locate(environment: environment)
        cached = found
        return found
    }
}
