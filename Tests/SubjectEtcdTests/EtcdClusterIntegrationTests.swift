import Foundation
import OperatorCore
import OperatorTestSupport
import Synchronization
import Testing

@testable import DeployLocal
@testable import SubjectEtcd

/// The acceptance scenario of issue 5 on real etcd: three members deployed with `ProcessDeployment`, the
/// monitor ticking every second into a temporary SQLite database, members SIGKILLed and restarted.
@Suite("etcd on a real local cluster")
struct EtcdClusterIntegrationTests {
    final class TickCounter: Sendable {
        private let count = Mutex(0)
        func increment() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }

    @Test(
        "kill a follower, the leader, then two of three: tickets, incidents, auto-resolve",
        .enabled(if: RealEtcdCluster.installed, "etcd is not installed: apt-get install etcd-server"))
    func killAndRestart() async throws {
        let cluster = try RealEtcdCluster()
        defer { cluster.cleanup() }
        _ = try await cluster.deployment.up { _ in }

        let database = try TemporaryDirectory(prefix: "operator-etcd-db")
        defer { database.remove() }
        let store = try SQLiteTicketStore(path: database.file("tickets.db"))
        // A probe budget for a loaded CI machine: a member busy longer than it reads as frozen.
        let subject = try EtcdSubject(
            configuration: SubjectConfiguration(endpoints: cluster.endpoints, settings: ["probe_timeout": "3s"], requestTimeout: .seconds(5)))
        let latest = LatestSnapshot<EtcdSnapshot>()
        let ticks = TickCounter()
        let monitor = MonitorService(
            subject: subject, store: store, configuration: MonitorConfiguration(interval: .seconds(1)), latest: latest,
            onTick: { _ in ticks.increment() })
        let running = Task { try await monitor.run() }
        defer { running.cancel() }

        func open() async throws -> [Ticket] { try await store.tickets(TicketFilter(statuses: [.created, .diagnosed])) }
        func openKeys() async throws -> [String] { try await open().map { "\($0.invariant)@\($0.entity)" }.sorted() }
        func dump() async -> String {
            let all = (try? await store.tickets(.all)) ?? []
            return "tickets: " + all.map { "#\($0.id) \($0.invariant)@\($0.entity) \($0.status.rawValue) inc \($0.incidentID ?? -1): \($0.message)" }
                .joined(separator: " | ")
        }
        func waitTicks(_ n: Int) async throws {
            let target = ticks.value + n
            try await eventually("\(n) more monitor ticks") { ticks.value >= target }
        }
        func leader() async -> EtcdLeaderView? { await latest.value?.leader }

        // Warm up: two ticks so metrics have a window, and a known leader.
        try await waitTicks(2)
        #expect(try await openKeys() == [], "a fresh cluster opens no tickets")
        let firstLeader = try #require(await leader())
        let names = cluster.plan.members.compactMap(\.entity.id)

        // 1. SIGKILL a follower: a member-down ticket for exactly that member, one incident rooted on it.
        let follower = try #require(names.first { $0 != firstLeader.name })
        try await cluster.deployment.kill(Entity(kind: "member", id: follower))
        try await eventually("member-down on \(follower)", describe: dump) {
            try await openKeys().contains("member-down@member:\(follower)")
        }
        try await waitTicks(2)
        // Exactly that member, and nothing on the cluster. (A loaded CI disk may add a true fsync-slow.)
        #expect(try await openKeys().filter { !$0.hasPrefix("fsync-slow@") } == ["member-down@member:\(follower)"])
        let followerTicket = try #require(try await open().first { $0.invariant == "member-down" })
        let followerIncidentID = try #require(followerTicket.incidentID)
        let followerIncident = try #require(try await store.incident(id: followerIncidentID))
        #expect(followerIncident.rootEntity == Entity(kind: "member", id: follower))
        #expect(followerIncident.rootInvariant == "member-down")
        #expect(try await store.incidents(IncidentFilter(statuses: [.open, .diagnosed])).count == 1)
        let diagnoser = DiagnosisRunner(
            subject: subject, store: store, diagnoser: OfflineDiagnoser(rules: subject.knowledge.rules), latest: latest)
        let followerDiagnosis = try #require(try await diagnoser.diagnose(incidentIDs: [followerIncident.id]).first?.diagnosis)
        #expect(followerDiagnosis.rootCause.category == "node-down")
        #expect(followerDiagnosis.rootCause.entity == Entity(kind: "member", id: follower))

        // Restart it: the ticket and its incident resolve by themselves.
        try await cluster.deployment.restart(Entity(kind: "member", id: follower))
        try await eventually("member-down on \(follower) resolved", describe: dump) {
            try await store.ticket(id: followerTicket.id)?.status == .resolved
        }
        #expect(try await store.incident(id: followerIncident.id)?.status == .resolved)

        // 2. SIGKILL the leader: another member leads, and the ticket names the killed one as the leader.
        let oldLeader = try #require(await leader())
        let oldLeaderName = try #require(oldLeader.name)
        try await cluster.deployment.kill(Entity(kind: "member", id: oldLeaderName))
        try await eventually("a new leader after killing \(oldLeaderName)", describe: dump) {
            guard let now = await leader() else { return false }
            return now.id != oldLeader.id && now.reachable
        }
        try await eventually("member-down on \(oldLeaderName)", describe: dump) {
            try await openKeys().contains("member-down@member:\(oldLeaderName)")
        }
        try await waitTicks(1)
        let leaderTicket = try #require(try await open().first { $0.entity == Entity(kind: "member", id: oldLeaderName) })
        #expect(leaderTicket.message.contains("it was the leader"), "\(leaderTicket.message)")
        #expect(leaderTicket.snapshotExcerpt["was_leader"] == .bool(true))
        #expect(try await openKeys().filter { $0.hasPrefix("member-down") } == ["member-down@member:\(oldLeaderName)"])
        let leaderIncidentID = try #require(leaderTicket.incidentID)
        #expect(try await store.incident(id: leaderIncidentID)?.rootEntity == Entity(kind: "member", id: oldLeaderName))
        try await cluster.deployment.restart(Entity(kind: "member", id: oldLeaderName))
        try await eventually("member-down on \(oldLeaderName) resolved", describe: dump) {
            try await store.ticket(id: leaderTicket.id)?.status == .resolved
        }

        // 3. SIGKILL two of three: quorum-lost on cluster, in one incident with both member-down tickets.
        let survivor = try #require(await leader()?.name)
        let victims = names.filter { $0 != survivor }
        for victim in victims { try await cluster.deployment.kill(Entity(kind: "member", id: victim)) }
        let expected = Set(victims.map { "member-down@member:\($0)" } + ["quorum-lost@cluster"])
        try await eventually("quorum-lost and member-down on \(victims)", describe: dump) {
            expected.isSubset(of: Set(try await openKeys()))
        }
        try await waitTicks(4)  // long enough for the survivor's failing /health to count, if it wrongly did
        let grouped = try await open().filter { expected.contains("\($0.invariant)@\($0.entity)") }
        #expect(grouped.count == 3)
        let groupedIncidents = Set(grouped.map(\.incidentID))
        let description = await dump()
        #expect(groupedIncidents.count == 1, "one incident: \(description)")
        #expect(!(try await openKeys().contains("member-down@member:\(survivor)")), "the survivor only lacks a leader")
        // The victim that led in step 2 does not lead now: its ticket must not say so.
        for ticket in grouped where ticket.invariant == "member-down" {
            #expect(!ticket.message.contains("was the leader"), "\(ticket.message)")
        }
        let groupedIncidentID = try #require(grouped.first?.incidentID)
        let incident = try #require(try await store.incident(id: groupedIncidentID))
        #expect(incident.ticketIDs.count >= 3)
        let quorumDiagnosis = try #require(try await diagnoser.diagnose(incidentIDs: [incident.id]).first?.diagnosis)
        #expect(quorumDiagnosis.rootCause.category == "quorum-lost")
        #expect(quorumDiagnosis.rootCause.entity == .cluster)
        for victim in victims { #expect(quorumDiagnosis.rootCause.explanation.contains(victim)) }

        for victim in victims { try await cluster.deployment.restart(Entity(kind: "member", id: victim)) }
        try await eventually("member-down and quorum-lost resolved", describe: dump) {
            let now = Set(try await openKeys())
            return now.isDisjoint(with: expected)
        }

        running.cancel()
        _ = await running.result
        try await cluster.deployment.down(removeState: true)
    }

    @Test(
        "deploy errors on real etcd: a bad flag shows etcd's own words, a taken port names its member",
        .enabled(if: RealEtcdCluster.installed, "etcd is not installed: apt-get install etcd-server"))
    func deploymentErrors() async throws {
        let broken = try RealEtcdCluster(members: 1) { plan in plan.members[0].arguments.append("--no-such-flag") }
        defer { broken.cleanup() }
        let exited = await #expect(throws: DeploymentError.self) { try await broken.deployment.up { _ in } }
        let text = try #require(exited).description
        #expect(text.contains("member:e1 exited with status"))
        #expect(text.contains("flag provided but not defined: -no-such-flag"))

        let busy = try RealEtcdCluster(members: 3)
        defer { busy.cleanup() }
        let holder = try #require(LoopbackHolder(port: busy.plan.members[1].ports[1]))
        defer { holder.close() }
        let taken = await #expect(throws: DeploymentError.self) { try await busy.deployment.up { _ in } }
        #expect(taken == .portTaken(port: busy.plan.members[1].ports[1], member: "member:e2"))

        let missing = try RealEtcdCluster(members: 1) { plan in plan.members[0].executable = "etcd-not-installed-here" }
        defer { missing.cleanup() }
        let error = await #expect(throws: DeploymentError.self) { try await missing.deployment.up { _ in } }
        #expect(error?.description.contains("apt-get install etcd-server") == true)
    }
}

/// Holds a listening socket on a port for the length of a test.
struct LoopbackHolder {
    let fd: Int32

    init?(port: Int) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 1) == 0 else {
            Glibc.close(fd)
            return nil
        }
    }

    func close() { Glibc.close(fd) }
}
