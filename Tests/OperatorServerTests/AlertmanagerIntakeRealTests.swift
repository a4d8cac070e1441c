import DeployLocal
import Foundation
import Logging
import OperatorCore
import OperatorServer
import OperatorTestSupport
import ServiceLifecycle
import SubjectEtcd
import Synchronization
import Testing

@testable import OperatorBench

/// The intake against the real thing: a real 3-member etcd (the subject's process recipe), Debian's
/// Prometheus and Alertmanager (the detection benchmark's alerting stack: `up{job="etcd"} == 0` held 0 s, 1 s
/// scrape and evaluation, 1 s group wait, as measured in ../shared/reference/etcd-prometheus-observed.md B),
/// Alertmanager's webhook pointing at the in-process `operator serve` API with its bearer token, and the
/// production monitor on the same store. A follower is SIGKILLed: Alertmanager's `EtcdMemberDown` alert
/// ticket must land in the same incident as Operator's own `member-down` ticket on that member.
@Suite("Alertmanager intake against real etcd, Prometheus and Alertmanager", .serialized)
struct AlertmanagerIntakeRealTests {
    static var installed: Bool { ExecutableLookup.find("etcd") != nil && AlertingStack.executables() != nil }

    @Test("up == 0 on a killed member → Alertmanager → intake: one incident holding member-down and the alert", .enabled(if: installed))
    func killedMemberIsOneIncident() async throws {
        let directory = try TemporaryDirectory(prefix: "operator-intake-real")
        defer { directory.remove() }
        let logs = CapturedLogs()
        let logger = logs.logger(label: "intake-real")

        // etcd: three members on a free block of loopback ports.
        let registration = EtcdRegistration.registration
        let recipe = try #require(registration.deployments["process"])
        let base = try #require(LocalPorts.freeBlock(count: 6), "no block of 6 free loopback ports")
        let plan = try recipe.plan(DeploymentOptions(members: 3, basePort: base, stateDirectory: directory.file("etcd")))
        guard case .processes(let processPlan) = plan else {
            Issue.record("the etcd process recipe did not plan local processes")
            return
        }
        let deployment = try LocalDeployments.make(plan: plan, stateDirectory: directory.file("etcd"), logger: logger)
        let alerting = AlertingStack(directory: directory.file("alerting"), logger: logger)
        do {
            try await run(deployment: deployment, members: processPlan.members.map { (entity: $0.entity, endpoint: $0.endpoint) }, alerting: alerting, directory: directory, logger: logger)
        } catch {
            await alerting.stop()
            try? await deployment.down(removeState: true)
            throw error
        }
        await alerting.stop()
        try? await deployment.down(removeState: true)
    }

    private func run(
        deployment: any Deployment, members: [(entity: Entity, endpoint: String)], alerting: AlertingStack, directory: TemporaryDirectory,
        logger: Logger
    ) async throws {
        let status = try await deployment.up(progress: { _ in })
        let subject = try #require(
            try EtcdRegistration.registration.make(SubjectConfiguration(endpoints: status.endpoints, logger: logger)) as? EtcdSubject)
        let store = try SQLiteTicketStore(path: directory.file("operator.db"))
        let latest = LatestSnapshot<EtcdSnapshot>()
        let board = ClusterStatusBoard()
        let intake = AlertIntake(cluster: "default", subject: subject.name, knowledge: subject.knowledge, store: store, latest: latest)
        let cluster = ServedCluster(name: "default", subject: subject.name, diagnosers: ["offline"], receiveAlerts: { try await intake.receive($0) }) {
            id, name in DiagnosisAttempt(incidentID: id, diagnoser: name, diagnosis: nil, error: "not diagnosed in this test")
        }
        let token = "intake-real-\(UUID().uuidString)"
        let tokenFile = directory.file("api-token")
        try token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let routes = APIRoutes(store: store, clusters: [cluster], board: board, metricsText: { "" }, logger: logger)
        let bound = Mutex<Int?>(nil)
        let server = APIServer.application(
            routes: routes, access: AccessPolicy(token: APIToken(token), tokenRequiredForReads: false),
            listen: .init(host: "127.0.0.1", port: 0), logger: logger
        ) { _, port in bound.withLock { $0 = port } }
        let monitor = MonitorService(
            subject: subject, store: store, configuration: MonitorConfiguration(interval: .milliseconds(500), tickTimeout: .seconds(30)),
            logger: logger, latest: latest, board: board)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [server, monitor], logger: logger))
        let running = Task { try await group.run() }
        defer { running.cancel() }
        do {
            try await Self.eventually("the API server's port") { bound.withLock { $0 } != nil }
            let port = try #require(bound.withLock { $0 })
            try FileManager.default.createDirectory(atPath: alerting.directory, withIntermediateDirectories: true)
            let instances = members.compactMap { AlertPlacement.hostPort($0.endpoint) }
            try await alerting.start(
                targets: instances, webhookURL: "http://127.0.0.1:\(port)/api/v1/alerts/alertmanager?cluster=default",
                webhookBearerTokenFile: tokenFile, progress: { _ in })

            // A tick that saw all three members healthy, so the kill starts from green.
            try await Self.eventually("a healthy tick with three members") {
                guard let s = await latest.value, s.members.count == 3, s.members.allSatisfy(\.isHealthy), s.leader != nil else { return false }
                return await board.status(cluster: "default")?.error == nil
            }
            let leader = await latest.value?.leader?.name
            let victim = try #require(members.first { $0.entity.id != leader }?.entity, "no follower to kill")
            try await deployment.kill(victim)

            var memberDown: Ticket?
            var alert: Ticket?
            try await Self.eventually("member-down and the EtcdMemberDown alert ticket on \(victim)", timeout: .seconds(180)) {
                let tickets = try await store.tickets(TicketFilter(cluster: "default")).filter { $0.entity == victim }
                memberDown = tickets.first { $0.invariant == "member-down" }
                alert = tickets.first { $0.invariant == "alert:\(AlertingStackConfig.alertName)" }
                // Both placed (an alert that came first merges on the next tick).
                guard let m = memberDown?.incidentID, let a = alert?.incidentID else { return false }
                return m == a
            }
            let down = try #require(memberDown)
            let alerted = try #require(alert)
            #expect(alerted.incidentID == down.incidentID)
            #expect(alerted.snapshotExcerpt["labels"]?["job"]?.stringValue == "etcd")
            #expect(alerted.snapshotExcerpt["generator_url"]?.stringValue?.isEmpty == false)
            // Exactly one live incident holds the member's tickets; none is rooted in the alert.
            let incidents = try await store.incidents(IncidentFilter(cluster: "default"))
            var holding: [Int64] = []
            for incident in incidents {
                let members = try await store.tickets(TicketFilter(incidentID: incident.id))
                if members.contains(where: { $0.entity == victim }) { holding.append(incident.id) }
            }
            #expect(holding.count == 1, "incidents holding \(victim)'s tickets: \(holding)")
            #expect(!incidents.contains { $0.rootInvariant.hasPrefix(AlertTicket.invariantPrefix) && $0.status != .resolved })
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            throw error
        }
        await group.triggerGracefulShutdown()
        _ = try? await running.value
    }

    /// Polls until `condition` holds: a hang guard, not a timing assertion.
    static func eventually(_ what: String, timeout: Duration = .seconds(120), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("timed out waiting for \(what)")
        throw CancellationError()
    }
}
