import Foundation
import Logging
import OperatorCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a subject's cluster as local processes on 127.0.0.1, one per member, from a ``ProcessClusterPlan``.
///
/// Members run detached (own session) so they outlive the CLI; each writes its log to
/// `<state>/logs/<kind>-<id>.log` and keeps its data in `<state>/<dataDirectory>`. PIDs and the plan are
/// kept in `<state>/deployment.json`, so `status`, `down`, `kill` and `restart` work from any later
/// process. Plans name data directories relative to the state directory and arguments with absolute paths
/// (the recipe is given the state directory).
public struct ProcessDeployment: Deployment {
    /// `process`, or the recipe's own name for what it runs as processes (`simulator`).
    public var backend: String { plan.backend ?? ProcessDeploymentState.backend }
    public let plan: ProcessClusterPlan
    /// Absolute.
    public let stateDirectory: String
    /// How long `up` and `restart` wait for health URLs to answer 2xx.
    public var healthTimeout: Duration
    /// Between SIGTERM and SIGKILL when stopping.
    public var stopGracePeriod: Duration
    /// The subject recipe's own faults (an alarm, a leadership transfer), offered next to the process faults.
    public var recipeFaults: (any RecipeFaultHandler)?
    let logger: Logger

    public init(
        plan: ProcessClusterPlan, stateDirectory: String, healthTimeout: Duration = .seconds(60),
        stopGracePeriod: Duration = .seconds(10), recipeFaults: (any RecipeFaultHandler)? = nil,
        logger: Logger = Logger(label: "operator.deploy.process")
    ) {
        self.plan = plan
        self.recipeFaults = recipeFaults
        self.stateDirectory = Self.absolute(stateDirectory)
        self.healthTimeout = healthTimeout
        self.stopGracePeriod = stopGracePeriod
        self.logger = logger
    }

    /// The deployment recorded in `stateDirectory` by an earlier `up`.
    public static func load(
        stateDirectory: String, recipeFaults: (any RecipeFaultHandler)? = nil, logger: Logger = Logger(label: "operator.deploy.process")
    ) throws(DeploymentError) -> ProcessDeployment {
        let state = try StateFile.read(ProcessDeploymentState.self, from: absolute(stateDirectory))
        return ProcessDeployment(plan: state.plan, stateDirectory: stateDirectory, recipeFaults: recipeFaults, logger: logger)
    }

    // MARK: - up

    public func up(progress: @escaping @Sendable (String) -> Void) async throws -> DeploymentStatus {
        let executables = try resolveExecutables()
        try refuseIfRunning()
        try checkPortsFree(plan.members)
        try prepareDirectories()

        let now = Date()
        var state = ProcessDeploymentState(
            plan: plan,
            members: plan.members.map {
                .init(entity: $0.entity, process: nil, startedAt: nil, logFile: Self.logFile(for: $0.entity))
            },
            updatedAt: now)
        try StateFile.write(state, to: stateDirectory)

        var started: [ProcessClusterPlan.Member] = []
        do {
            for member in plan.members {
                let handle = try start(member, executable: executables[member.executable] ?? member.executable)
                state.update(member.entity) {
                    $0.process = handle
                    $0.startedAt = Date()
                    $0.stopNote = nil
                }
                state.updatedAt = Date()
                try StateFile.write(state, to: stateDirectory)
                started.append(member)
                progress("started \(member.entity) (pid \(handle.pid)) on \(member.endpoint), log \(path(Self.logFile(for: member.entity)))")
            }
            progress("waiting for \(plan.members.count) member(s) to become healthy (up to \(DurationText.format(healthTimeout)))")
            try await waitUntilHealthy(plan.members, state: state, progress: progress)
        } catch {
            // Leave nothing running behind a failed start; the logs stay for the post-mortem.
            await stopMembers(started.map(\.entity), note: "stopped after a failed deploy up")
            throw error
        }
        let status = try await status()
        progress("all \(plan.members.count) member(s) healthy; endpoints: \(status.endpoints.joined(separator: ","))")
        return status
    }

    private func resolveExecutables() throws(DeploymentError) -> [String: String] {
        var resolved: [String: String] = [:]
        for name in Set(plan.members.map(\.executable)) {
            guard let path = ExecutableLookup.find(name) else {
                throw .executableMissing(executable: name, installHint: plan.installHint)
            }
            resolved[name] = path
        }
        return resolved
    }

    private func refuseIfRunning() throws(DeploymentError) {
        guard StateFile.exists(in: stateDirectory) else { return }
        let state = try StateFile.read(ProcessDeploymentState.self, from: stateDirectory)
        let running = state.members.compactMap { record -> String? in
            guard let p = record.process, DetachedProcess.isRunning(p) else { return nil }
            return "\(record.entity) pid \(p.pid)"
        }
        if !running.isEmpty { throw .alreadyRunning(stateDirectory: stateDirectory, members: running) }
    }

    private func checkPortsFree(_ members: [ProcessClusterPlan.Member]) throws(DeploymentError) {
        for member in members {
            for port in member.ports where !LocalPorts.isFree(port) {
                throw .portTaken(port: port, member: member.entity)
            }
        }
    }

    private func prepareDirectories() throws(DeploymentError) {
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: path("logs"), withIntermediateDirectories: true)
            for member in plan.members {
                // Owner-only, as etcd and most databases expect of a data directory.
                try fm.createDirectory(
                    atPath: path(member.dataDirectory), withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700])
            }
        } catch {
            throw .stateDirectory(path: stateDirectory, reason: "\(error)")
        }
    }

    private func start(_ member: ProcessClusterPlan.Member, executable: String) throws(DeploymentError) -> ProcessHandle {
        let log = path(Self.logFile(for: member.entity))
        let header = "--- operator: starting \(member.entity) at \(Timestamp.format(Date())): \(executable) \(member.arguments.joined(separator: " "))\n"
        if let handle = FileHandle(forWritingAtPath: log) ?? {
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            return FileHandle(forWritingAtPath: log)
        }() {
            _ = try? handle.seekToEnd()
            try? handle.write(contentsOf: Data(header.utf8))
            try? handle.close()
        }
        var environment = ProcessInfo.processInfo.environment
        environment.merge(member.environment) { _, planned in planned }
        do {
            let handle = try DetachedProcess.spawn(
                executable: executable, arguments: member.arguments, environment: environment, logFile: log)
            logger.info("member started", metadata: ["member": "\(member.entity)", "pid": "\(handle.pid)"])
            return handle
        } catch {
            throw .startFailed(member.entity, reason: error.description)
        }
    }

    /// Polls every pending member's health URL until all answer 2xx. A member whose process exits, or
    /// which is still unhealthy at the deadline, fails the wait with the end of its log.
    private func waitUntilHealthy(
        _ members: [ProcessClusterPlan.Member], state: ProcessDeploymentState, progress: @escaping @Sendable (String) -> Void
    ) async throws(DeploymentError) {
        let clock = ContinuousClock()
        let start = clock.now
        var pending = members
        var lastError: [Entity: String] = [:]
        while !pending.isEmpty {
            if Task.isCancelled { throw .interrupted(while: "waiting for \(pending.map(\.entity.description).joined(separator: ", ")) to become healthy") }
            for member in pending {
                guard let handle = state.record(for: member.entity)?.process, DetachedProcess.isRunning(handle) else {
                    let how = state.record(for: member.entity)?.process.flatMap(DetachedProcess.exitDescription) ?? "exited"
                    throw .memberExited(
                        member.entity, how: how, logExcerpt: LogTail.excerpt(of: path(Self.logFile(for: member.entity))))
                }
            }
            let results = await withTaskGroup(of: (Entity, HealthProbe.Result).self) { group in
                for member in pending {
                    group.addTask { (member.entity, await HealthProbe.check(member.healthURL, timeout: .seconds(2))) }
                }
                var out: [Entity: HealthProbe.Result] = [:]
                for await (entity, result) in group { out[entity] = result }
                return out
            }
            let elapsed = clock.now - start
            for member in pending where results[member.entity]?.isHealthy == true {
                progress("\(member.entity) healthy after \(DurationText.format(elapsed))")
            }
            for (entity, result) in results { lastError[entity] = result.reason }
            pending.removeAll { results[$0.entity]?.isHealthy == true }
            guard !pending.isEmpty else { return }
            if clock.now - start >= healthTimeout {
                let member = pending[0]
                throw .memberUnhealthy(
                    member.entity, waited: DurationText.format(healthTimeout),
                    lastError: lastError[member.entity] ?? "no answer",
                    logExcerpt: LogTail.excerpt(of: path(Self.logFile(for: member.entity))))
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    // MARK: - status

    public func status() async throws -> DeploymentStatus {
        let state = try StateFile.read(ProcessDeploymentState.self, from: stateDirectory)
        let members = await withTaskGroup(of: (Int, DeploymentStatus.MemberStatus).self) { group in
            for (index, member) in state.plan.members.enumerated() {
                let record = state.record(for: member.entity)
                group.addTask { (index, await Self.memberStatus(member, record: record)) }
            }
            var out: [(Int, DeploymentStatus.MemberStatus)] = []
            for await item in group { out.append(item) }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
        return DeploymentStatus(
            subject: state.plan.subject, backend: backend, members: members, endpoints: state.plan.members.map(\.endpoint))
    }

    private static func memberStatus(
        _ member: ProcessClusterPlan.Member, record: ProcessDeploymentState.MemberRecord?
    ) async -> DeploymentStatus.MemberStatus {
        guard let handle = record?.process else {
            return .init(
                entity: member.entity, state: .stopped, endpoint: member.endpoint,
                detail: record?.stopNote ?? "not started")
        }
        guard DetachedProcess.isRunning(handle) else {
            let how = record?.stopNote ?? DetachedProcess.exitDescription(handle) ?? "exited"
            return .init(entity: member.entity, state: .stopped, pid: handle.pid, endpoint: member.endpoint, detail: how)
        }
        let health = await HealthProbe.check(member.healthURL, timeout: .seconds(2))
        return .init(
            entity: member.entity, state: health.isHealthy ? .healthy : .unhealthy, pid: handle.pid,
            endpoint: member.endpoint,
            detail: [record?.frozenNote, record?.hostFaults.map { "host faults in force: \($0.joined(separator: ", "))" }, health.reason]
                .compactMap { $0 }.joined(separator: "; "))
    }

    // MARK: - down

    public func down(removeState: Bool) async throws {
        let state = try StateFile.read(ProcessDeploymentState.self, from: stateDirectory)
        await liftHostFaults(in: state)
        await stopMembers(state.members.map(\.entity), note: "stopped by deploy down")
        guard removeState else { return }
        let fm = FileManager.default
        for member in state.plan.members {
            try? fm.removeItem(atPath: path(member.dataDirectory))
        }
        try? fm.removeItem(atPath: path("logs"))
        StateFile.remove(from: stateDirectory)
        // Remove the directory itself only when nothing of anyone else's is left in it.
        if (try? fm.contentsOfDirectory(atPath: stateDirectory))?.isEmpty == true {
            try? fm.removeItem(atPath: stateDirectory)
        }
    }

    /// Stops the named members in parallel (SIGTERM, SIGKILL after the grace period) and records it.
    func stopMembers(_ entities: [Entity], note: String) async {
        guard let state = try? StateFile.read(ProcessDeploymentState.self, from: stateDirectory) else { return }
        let grace = stopGracePeriod
        await withTaskGroup(of: Void.self) { group in
            for entity in entities {
                guard let handle = state.record(for: entity)?.process else { continue }
                group.addTask { await DetachedProcess.stop(handle, grace: grace) }
            }
        }
        _ = try? StateFile.update(ProcessDeploymentState.self, in: stateDirectory) { s in
            for entity in entities {
                s.update(entity) {
                    if $0.process != nil { $0.stopNote = note }
                    $0.process = nil
                }
            }
            s.updatedAt = Date()
        }
    }

    // MARK: - chaos

    public func kill(_ member: Entity) async throws {
        let state = try StateFile.read(ProcessDeploymentState.self, from: stateDirectory)
        let planned = try plannedMember(member, in: state)
        guard let handle = state.record(for: planned.entity)?.process, DetachedProcess.isRunning(handle) else {
            throw DeploymentError.notRunning(planned.entity, detail: stoppedDetail(planned.entity, in: state))
        }
        DetachedProcess.signal(handle, SIGKILL)
        _ = await DetachedProcess.waitForExit(handle, within: .seconds(5))
        logger.notice("member killed", metadata: ["member": "\(planned.entity)", "pid": "\(handle.pid)"])
        _ = try StateFile.update(ProcessDeploymentState.self, in: stateDirectory) { s in
            s.update(planned.entity) {
                $0.stopNote = "killed by SIGKILL at \(Timestamp.format(Date()))"
                $0.frozenNote = nil
            }
            s.updatedAt = Date()
        }
    }

    public func restart(_ member: Entity) async throws {
        let state = try StateFile.read(ProcessDeploymentState.self, from: stateDirectory)
        let planned = try plannedMember(member, in: state)
        if let handle = state.record(for: planned.entity)?.process, DetachedProcess.isRunning(handle) {
            await DetachedProcess.stop(handle, grace: stopGracePeriod)
        }
        guard let executable = ExecutableLookup.find(planned.executable) else {
            throw DeploymentError.executableMissing(executable: planned.executable, installHint: state.plan.installHint)
        }
        // The host faults held the old process (its cgroup); the new one starts free of them.
        for kind in state.record(for: planned.entity)?.hostFaults ?? [] { await undo(kind, on: planned, pid: nil) }
        try await waitForPortsReleased(planned)
        let handle = try start(planned, executable: executable)
        let updated = try StateFile.update(ProcessDeploymentState.self, in: stateDirectory) { s in
            s.update(planned.entity) {
                $0.process = handle
                $0.startedAt = Date()
                $0.stopNote = nil
                $0.frozenNote = nil
                $0.hostFaults = nil
            }
            s.updatedAt = Date()
        }
        try await waitUntilHealthy([planned], state: updated, progress: { _ in })
    }

    /// A SIGKILLed listener's ports are released as the kernel tears it down; give that a moment.
    private func waitForPortsReleased(_ member: ProcessClusterPlan.Member) async throws(DeploymentError) {
        let deadline = ContinuousClock.now + .seconds(3)
        while let port = member.ports.first(where: { !LocalPorts.isFree($0) }) {
            if ContinuousClock.now >= deadline { throw .portTaken(port: port, member: member.entity) }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    func plannedMember(_ entity: Entity, in state: ProcessDeploymentState) throws(DeploymentError)
        -> ProcessClusterPlan.Member
    {
        guard let member = state.plan.members.first(where: { $0.entity == entity }) else {
            throw .unknownMember(entity, known: state.plan.members.map(\.entity))
        }
        return member
    }

    func stoppedDetail(_ entity: Entity, in state: ProcessDeploymentState) -> String {
        guard let record = state.record(for: entity) else { return "never started" }
        if let note = record.stopNote { return note }
        if let handle = record.process { return "pid \(handle.pid) \(DetachedProcess.exitDescription(handle) ?? "exited")" }
        return "not started"
    }

    // MARK: - paths

    static func logFile(for entity: Entity) -> String {
        let name = [entity.kind, entity.id].compactMap { $0 }.joined(separator: "-")
        let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
        return "logs/\(safe).log"
    }

    func path(_ relative: String) -> String {
        (stateDirectory as NSString).appendingPathComponent(relative)
    }

    static func absolute(_ path: String) -> String {
        let url = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        return url.standardizedFileURL.path
    }
}
