import DeployLocal
import Foundation
import Synchronization
import OperatorCore
import SubjectEtcd
import Testing

/// The compose backend against a real Docker engine: the test starts its own dockerd, builds an etcd image
/// from the Debian binaries (no registry), and drives the 3-member etcd stack (host networking, free ports)
/// through ``ComposeDeployment``: up, kill (the monitor then sees `member-down`), status, restart, down. Where no engine can start, the test is
/// reported as skipped with the reason.
@Suite("Compose backend on a real Docker engine")
struct ComposeEngineTests {
    @Test func etcdStackUpKillRestartDown() async throws {
        _ = try StackTestSupport.requireTool("etcd", package: "etcd-server")
        _ = try StackTestSupport.requireTool("etcdctl", package: "etcd-client")
        if ExecutableLookup.find("docker-compose") == nil {
            try ComposeTestEngine.skip("no compose program (apt-get install docker-compose)")
        }
        try await ComposeTestEngine.with { engine in
            let image = "operator/etcd:test"
            let built = try await StackTestSupport.run(
                StackTestSupport.path("Subjects/etcd/build-image.sh"), [image], environment: engine.environment,
                timeout: .seconds(300))
            try #require(built.succeeded, "build-image.sh:\n\(built.transcript)")

            let state = try StackTestSupport.temporaryDirectory("compose-engine-state")
            defer { try? FileManager.default.removeItem(atPath: state) }
            let base = try #require(LocalPorts.freeBlock(count: 6), "six free loopback ports")
            let project = "opengine\(UInt32.random(in: 0...UInt32.max))"
            let plan = try EtcdComposeRecipe.plan(DeploymentOptions(
                basePort: base, stateDirectory: state,
                extra: ["project": project, "image": image, "compose-file": StackTestSupport.path("Subjects/etcd/docker-compose.yaml")]))
            let deployment = ComposeDeployment(
                plan: plan, stateDirectory: state, environment: engine.environment, healthTimeout: .seconds(120))
            let health = Dictionary(uniqueKeysWithValues: (1...3).map { ("member:e\($0)", plan.endpoints[$0 - 1] + "/health") })

            // up: healthy members, with progress lines on the way.
            let lines = ComposeProgressLines()
            let up = try await deployment.up(progress: { lines.append($0) })
            #expect(up.backend == "compose" && up.subject == "etcd")
            #expect(up.members.map(\.entity) == ["member:e1", "member:e2", "member:e3"])
            #expect(up.members.allSatisfy { $0.state == .healthy }, "\(up.members)")
            #expect(up.members.allSatisfy { $0.container?.hasPrefix(project) == true }, "\(up.members)")
            #expect(up.endpoints == plan.endpoints)
            #expect(lines.all.contains { $0.contains("waiting for health") }, "\(lines.all)")
            #expect(lines.all.contains { $0.contains("healthy after") }, "\(lines.all)")
            for url in health.values { #expect(await HealthProbe.check(url).isHealthy, "\(url)") }
            #expect(StateFile.exists(in: state))

            // kill: e2's container dies (SIGKILL), its port stops answering, the others keep serving.
            try await deployment.kill("member:e2")
            let e2Down = await HealthProbe.check(try #require(health["member:e2"]))
            #expect(!e2Down.isHealthy, "e2 must be unreachable after docker kill")
            for survivor in ["member:e1", "member:e3"] {
                #expect(await Self.eventuallyHealthy(try #require(health[survivor])), "\(survivor) keeps serving")
            }
            let afterKill = try await deployment.status()
            let e2 = try #require(afterKill.members.first { $0.entity == "member:e2" })
            #expect(e2.state == .stopped, "\(e2)")
            #expect(e2.detail?.contains("status 137") == true && e2.detail?.contains("chaos kill") == true, "\(e2.detail ?? "")")
            #expect(afterKill.members.filter { $0.entity != "member:e2" }.allSatisfy { $0.state == .healthy })

            // The monitor, watching the stack's endpoints, opens a member-down ticket for e2.
            let store = try SQLiteTicketStore(path: state + "/tickets.db")
            let subject = try EtcdSubject(configuration: SubjectConfiguration(endpoints: plan.endpoints))
            let monitor = MonitorService(subject: subject, store: store)
            var failures = 0
            let tick = try #require(await monitor.runTick(number: 1, consecutiveFailures: &failures))
            #expect(tick.error == nil, "\(tick.error ?? "")")
            let down = tick.violations.filter { $0.invariant == "member-down" }
            #expect(down.map(\.entity) == ["member:e2"], "\(tick.violations)")
            let tickets = try await store.tickets(TicketFilter(subject: "etcd"))
            #expect(tickets.contains { $0.invariant == "member-down" && $0.entity == "member:e2" && $0.status.isOpen }, "\(tickets)")
            // A second kill is refused with the reason.
            let again = await #expect(throws: DeploymentError.self) { try await deployment.kill("member:e2") }
            guard case .notRunning(let entity, _)? = again else {
                Issue.record("got \(String(describing: again))")
                return
            }
            #expect(entity == "member:e2")
            // Unknown members are named with the ones that exist.
            await #expect(throws: DeploymentError.unknownMember("member:e9", known: ["member:e1", "member:e2", "member:e3"])) {
                try await deployment.kill("member:e9")
            }

            // A later CLI process finds the deployment from the state directory alone.
            let loaded = try ComposeDeployment.load(stateDirectory: state, environment: engine.environment)
            #expect(loaded.plan.projectName == project)
            #expect(loaded.plan.composeFile == StackTestSupport.path("Subjects/etcd/docker-compose.yaml"))
            #expect(try LocalDeployments.load(stateDirectory: state) is ComposeDeployment)

            // restart: docker start, healthy again.
            try await loaded.restart("member:e2")
            #expect(await HealthProbe.check(try #require(health["member:e2"])).isHealthy)
            let restarted = try await deployment.status()
            #expect(restarted.members.allSatisfy { $0.state == .healthy }, "\(restarted.members)")
            let healed = try #require(await monitor.runTick(number: 2, consecutiveFailures: &failures))
            #expect(!healed.violations.contains { $0.invariant == "member-down" }, "\(healed.violations)")

            // pause (the fault vocabulary): e2's container is frozen, not dead; unpause brings it back.
            #expect(deployment.faultOffers.map(\.kind) == ["kill", "pause", "unpause", "restart"])
            try await deployment.inject(DeploymentFault(kind: "pause", entity: "member:e2"))
            #expect(!(await HealthProbe.check(try #require(health["member:e2"]), timeout: .seconds(2))).isHealthy)
            let paused = try await deployment.status()
            #expect(paused.members.first { $0.entity == "member:e2" }?.state != .healthy, "\(paused.members)")
            let pauseAgain = await #expect(throws: DeploymentError.self) {
                try await deployment.inject(DeploymentFault(kind: "pause", entity: "member:e2"))
            }
            #expect(pauseAgain?.description.contains("paused") == true)
            try await deployment.lift(DeploymentFault(kind: "pause", entity: "member:e2"))
            #expect(await Self.eventuallyHealthy(try #require(health["member:e2"])))
            await #expect(throws: UnsupportedFaultError.self) {
                try await deployment.inject(DeploymentFault(kind: "stop", entity: "member:e2"))
            }

            // Quorum loss: with e2 and e3 killed, restarting e2 waits for e2 alone (e3 stays down on purpose).
            try await deployment.kill("member:e2")
            try await deployment.kill("member:e3")
            try await deployment.restart("member:e2")
            #expect(await Self.eventuallyHealthy(try #require(health["member:e2"])))
            #expect(!(await HealthProbe.check(try #require(health["member:e3"])).isHealthy))
            try await deployment.restart("member:e3")
            let recovered = try await deployment.status()
            #expect(recovered.members.allSatisfy { $0.state == .healthy }, "\(recovered.members)")

            // down -v: no containers, no volumes, no state file.
            try await deployment.down(removeState: true)
            let containers = try await StackTestSupport.run(
                engine.docker, ["ps", "-aq", "--filter", "label=com.docker.compose.project=\(project)"],
                environment: engine.environment)
            #expect(containers.succeeded && containers.standardOutput.isEmpty, "\(containers.transcript)")
            let volumes = try await StackTestSupport.run(
                engine.docker, ["volume", "ls", "-q", "--filter", "label=com.docker.compose.project=\(project)"],
                environment: engine.environment)
            #expect(volumes.succeeded && volumes.standardOutput.isEmpty, "\(volumes.transcript)")
            #expect(!StateFile.exists(in: state))
            for url in health.values { #expect(!(await HealthProbe.check(url).isHealthy), "\(url) is gone") }

            try await Self.missingImageIsNamed(engine: engine, base: base)
        }
    }

    /// An image that is neither on the engine nor pullable (no registry here; on a connected machine the
    /// repository does not exist) stops `up` before anything starts, naming the image.
    static func missingImageIsNamed(engine: ComposeTestEngine, base: Int) async throws {
        let state = try StackTestSupport.temporaryDirectory("compose-engine-noimage")
        defer { try? FileManager.default.removeItem(atPath: state) }
        let image = "operator/etcd:absent-\(UUID().uuidString.prefix(8).lowercased())"
        let project = "opnoimage\(UInt32.random(in: 0...UInt32.max))"
        let plan = try EtcdComposeRecipe.plan(DeploymentOptions(
            basePort: base, stateDirectory: state,
            extra: ["project": project, "image": image, "compose-file": StackTestSupport.path("Subjects/etcd/docker-compose.yaml")]))
        let deployment = ComposeDeployment(plan: plan, stateDirectory: state, environment: engine.environment)
        let error = await #expect(throws: ComposeError.self) { try await deployment.up(progress: { _ in }) }
        guard case .imageUnavailable(let named, let services, _, let readme)? = error else {
            Issue.record("expected imageUnavailable, got \(String(describing: error))")
            return
        }
        #expect(named == image)
        #expect(services == ["e1", "e2", "e3"])
        #expect(readme == StackTestSupport.path("Subjects/etcd/README.md"))
        #expect(error?.description.contains("offline") == true)
        let containers = try await StackTestSupport.run(
            engine.docker, ["ps", "-aq", "--filter", "label=com.docker.compose.project=\(project)"], environment: engine.environment)
        #expect(containers.standardOutput.isEmpty, "nothing started")
    }

    /// A survivor may answer `/health` with 503 for a moment while the cluster notices the loss
    /// (etcd-prometheus-observed.md §A); polled, not timed.
    static func eventuallyHealthy(_ url: String) async -> Bool {
        for _ in 0..<50 {
            if await HealthProbe.check(url).isHealthy { return true }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return false
    }
}

/// Progress lines collected from `up`.
final class ComposeProgressLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}
