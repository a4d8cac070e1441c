import AsyncHTTPClient
import Foundation
import NIOCore
import OperatorCore
import OperatorHTTP
import OperatorTestSupport
import Synchronization

@testable import DeployLocal
@testable import SubjectEtcd

/// A real 3-member etcd cluster watched by the monitor (1 s ticks, a temporary SQLite store) and diagnosed
/// offline, for injecting real faults: SIGSTOP, a full quota, leader transfer, member removal. `stop()`
/// cancels the monitor; the cluster's `cleanup()` SIGKILLs every member by pid, pass or fail.
final class RealFaultHarness: Sendable {
    let cluster: RealEtcdCluster
    let database: TemporaryDirectory
    let store: SQLiteTicketStore
    let subject: EtcdSubject
    let latest = LatestSnapshot<EtcdSnapshot>()
    private let tickCount = EtcdClusterIntegrationTests.TickCounter()
    private let running = Mutex<Task<Void, any Error>?>(nil)

    init(adjust: (inout ProcessClusterPlan) -> Void = { _ in }) async throws {
        cluster = try RealEtcdCluster(adjust: adjust)
        database = try TemporaryDirectory(prefix: "operator-etcd-faults")
        store = try SQLiteTicketStore(path: database.file("tickets.db"))
        // Generous budgets for a loaded CI machine (a member busy for more than the probe budget reads as
        // frozen); a SIGSTOPped member still costs one 3 s budget per tick, not the tick of the others.
        subject = try EtcdSubject(
            configuration: SubjectConfiguration(
                endpoints: cluster.endpoints, settings: ["probe_timeout": "3s"], requestTimeout: .seconds(5)))
    }

    func start() async throws {
        _ = try await cluster.deployment.up { _ in }
        let monitor = MonitorService(
            subject: subject, store: store, configuration: MonitorConfiguration(interval: .seconds(1)), latest: latest,
            onTick: { [tickCount] _ in tickCount.increment() })
        running.withLock { $0 = Task { try await monitor.run() } }
        try await waitTicks(2)
    }

    /// Synchronous, for `defer`: stops the monitor, kills the members, removes the directories.
    func cleanup() {
        running.withLock { $0?.cancel() }
        cluster.cleanup()
        database.remove()
    }

    var ticks: Int { tickCount.value }

    func waitTicks(_ n: Int) async throws {
        let target = ticks + n
        try await eventually("\(n) more monitor ticks", within: .seconds(120)) { self.ticks >= target }
    }

    func openTickets() async throws -> [Ticket] { try await store.tickets(TicketFilter(statuses: [.created, .diagnosed])) }
    func openKeys() async throws -> Set<String> { Set(try await openTickets().map { "\($0.invariant)@\($0.entity)" }) }

    func dump() async -> String {
        let all = (try? await store.tickets(.all)) ?? []
        let snapshot = await latest.value?.statusLines().joined(separator: " / ") ?? "no snapshot"
        return "tickets: "
            + all.map { "#\($0.id) \($0.invariant)@\($0.entity) \($0.status.rawValue) inc \($0.incidentID ?? -1): \($0.message)" }
            .joined(separator: " | ") + " || snapshot: \(snapshot)"
    }

    /// Incidents that are not resolved, with their tickets' keys.
    func openIncidents() async throws -> [Incident] { try await store.incidents(IncidentFilter(statuses: [.open, .diagnosed])) }

    func diagnose(_ incident: Int64) async throws -> Diagnosis? {
        let runner = DiagnosisRunner(
            subject: subject, store: store, diagnoser: OfflineDiagnoser(rules: subject.knowledge.rules), latest: latest)
        return try await runner.diagnose(incidentIDs: [incident]).first?.diagnosis
    }

    func endpoint(_ name: String) -> String { cluster.plan.members.first { $0.entity.id == name }!.endpoint }

    /// A gateway POST with a generous budget, as etcdctl would send it: the status and the body.
    static func post(_ url: String, _ body: String) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await OperatorHTTPClient.fetch(request, deadline: .seconds(10), maxBodyBytes: 1 << 20)
        return (response.status, String(buffer: response.body))
    }
}
