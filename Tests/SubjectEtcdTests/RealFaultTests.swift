import Foundation
import OperatorCore
import Testing

@testable import DeployLocal
@testable import SubjectEtcd

#if canImport(Glibc)
import Glibc
#endif

/// Real faults on a real 3-member etcd, injected directly (signals, the gateway calls etcdctl makes): the
/// violations the subject raises, one incident per fault, and the offline diagnosis (category and entity;
/// the runner's strict claim audit passes, or the diagnosis would be recorded as failed).
@Suite("etcd real faults (process backend)", .serialized)
struct RealFaultTests {
    static let installed = RealEtcdCluster.installed

    func pid(_ h: RealFaultHarness, _ name: String) throws -> Int32 {
        let state = try StateFile.read(ProcessDeploymentState.self, from: h.cluster.directory.path)
        guard let pid = state.members.first(where: { $0.entity.id == name })?.process?.pid else {
            throw RealEtcdCluster.Failure("no pid recorded for \(name)")
        }
        return pid
    }

    /// The one open incident whose tickets include `key`, after checking that no other incident is open.
    func soleIncident(_ h: RealFaultHarness, containing key: String) async throws -> Incident {
        let open = try await h.openIncidents()
        let description = await h.dump()
        #expect(open.count == 1, "one fault, one incident: \(description)")
        let tickets = try await h.openTickets()
        let ticket = try #require(tickets.first { "\($0.invariant)@\($0.entity)" == key }, "\(description)")
        return try #require(open.first { $0.id == ticket.incidentID }, "\(description)")
    }

    @Test(
        "SIGSTOP a follower: member-unresponsive on it, the others answer with their status within their own budget; SIGCONT heals",
        .enabled(if: installed, "etcd is not installed: apt-get install etcd-server"))
    func frozenFollower() async throws {
        let h = try await RealFaultHarness()
        defer { h.cleanup() }
        try await h.start()
        let leader = try #require(await h.latest.value?.leader?.name)
        let follower = try #require(h.cluster.plan.members.compactMap(\.entity.id).first { $0 != leader })
        let frozenPid = try pid(h, follower)
        kill(frozenPid, SIGSTOP)
        defer { kill(frozenPid, SIGCONT) }

        try await eventually("member-unresponsive on \(follower)", within: .seconds(90), describe: h.dump) {
            try await h.openKeys().contains("member-unresponsive@member:\(follower)")
        }
        let snapshot = try #require(await h.latest.value)
        for m in snapshot.members {
            if m.name == follower {
                #expect(m.reachability == .silent && m.state == .unresponsive, "\(m)")
                #expect(m.probeSeconds != nil)
            } else {
                #expect(m.reachability == .answers && m.state == .healthy, "\(m.name): \(snapshot.statusLines())")
                #expect(m.status?.leader != nil, "\(m.name) answered its status while \(follower) was frozen")
            }
        }
        #expect(snapshot.linearizableRead?.succeeded == true)
        let keys = try await h.openKeys()
        #expect(!keys.contains { $0.hasPrefix("member-down@") || $0.hasPrefix("quorum-lost@") }, "\(keys)")
        let incident = try await soleIncident(h, containing: "member-unresponsive@member:\(follower)")
        let diagnosed = try await h.diagnose(incident.id)
        let dumped = await h.dump()
        let diagnosis = try #require(diagnosed, "\(dumped)")
        #expect(diagnosis.rootCause.category == "node-unresponsive")
        #expect(diagnosis.rootCause.entity == Entity(kind: "member", id: follower))
        #expect(diagnosis.unsupportedClaims.isEmpty)

        kill(frozenPid, SIGCONT)
        try await eventually("\(follower) answers again", within: .seconds(60), describe: h.dump) {
            await h.latest.value?.member(named: follower)?.reachable == true
        }
        #expect(await h.latest.value?.member(named: follower)?.state == .recovering)
        try await h.waitTicks(3)
        let after = try await h.openIncidents()
        let afterDump = await h.dump()
        #expect(after.count <= 1, "the resumed member's after-effects join its incident: \(afterDump)")
    }

    @Test(
        "SIGSTOP the leader: member-unresponsive on it, the election joins its incident, the new leader is named, never the frozen one",
        .enabled(if: installed, "etcd is not installed: apt-get install etcd-server"))
    func frozenLeader() async throws {
        let h = try await RealFaultHarness()
        defer { h.cleanup() }
        try await h.start()
        let leader = try #require(await h.latest.value?.leader?.name)
        let frozenPid = try pid(h, leader)
        kill(frozenPid, SIGSTOP)
        defer { kill(frozenPid, SIGCONT) }

        try await eventually("member-unresponsive on \(leader) and a new leader", within: .seconds(90), describe: h.dump) {
            let keys = try await h.openKeys()
            guard keys.contains("member-unresponsive@member:\(leader)") else { return false }
            guard let now = await h.latest.value?.answeringLeader else { return false }
            return now.name != leader
        }
        try await h.waitTicks(2)
        let keys = try await h.openKeys()
        #expect(!keys.contains { $0.hasPrefix("member-down@") || $0.hasPrefix("quorum-lost@") }, "\(keys)")
        let incident = try await soleIncident(h, containing: "member-unresponsive@member:\(leader)")
        #expect(incident.rootEntity == Entity(kind: "member", id: leader))
        let diagnosed = try await h.diagnose(incident.id)
        let dumped = await h.dump()
        let diagnosis = try #require(diagnosed, "\(dumped)")
        #expect(diagnosis.rootCause.category == "node-unresponsive")
        #expect(diagnosis.rootCause.entity == Entity(kind: "member", id: leader))
        #expect(!diagnosis.rootCause.explanation.contains("\(leader) leads now"), "\(diagnosis.rootCause.explanation)")
        #expect(diagnosis.unsupportedClaims.isEmpty)
    }

    @Test(
        "NOSPACE on the member with a 1 MiB quota: one alarm-active on it, no member-down, no quorum-lost, diagnosed db-quota",
        .enabled(if: installed, "etcd is not installed: apt-get install etcd-server"))
    func noSpace() async throws {
        let h = try await RealFaultHarness { plan in plan.members[2].arguments += ["--quota-backend-bytes", "1048576"] }
        defer { h.cleanup() }
        try await h.start()
        // 100 kB values until etcd refuses (429, "database space exceeded"): a dozen puts at most.
        let value = Data(repeating: UInt8(ascii: "x"), count: 100_000).base64EncodedString()
        var refused = false
        for i in 0..<40 where !refused {
            let key = Data("fill-\(i)".utf8).base64EncodedString()
            let (status, body) = try await RealFaultHarness.post(h.endpoint("e1") + "/v3/kv/put", #"{"key":"\#(key)","value":"\#(value)"}"#)
            if status == 429 || body.contains("database space exceeded") { refused = true }
        }
        #expect(refused, "the puts filled e3's 1 MiB quota")
        try await eventually("alarm-active on e3", within: .seconds(60), describe: h.dump) {
            try await h.openKeys().contains("alarm-active@member:e3")
        }
        try await h.waitTicks(4)  // long enough for every member's failing /health to count, if it wrongly did
        let keys = try await h.openKeys()
        #expect(!keys.contains { $0.hasPrefix("member-down@") || $0.hasPrefix("member-unhealthy@") || $0.hasPrefix("quorum-lost@") }, "\(keys)")
        let snapshot = try #require(await h.latest.value)
        #expect(snapshot.alarms.map(\.description) == ["NOSPACE alarm raised by e3 (\(snapshot.member(named: "e3")!.id.hex))"])
        #expect(snapshot.members.allSatisfy { $0.state == .alarm }, "\(snapshot.statusLines())")
        let incident = try await soleIncident(h, containing: "alarm-active@member:e3")
        let diagnosed = try await h.diagnose(incident.id)
        let dumped = await h.dump()
        let diagnosis = try #require(diagnosed, "\(dumped)")
        #expect(diagnosis.rootCause.category == "db-quota")
        #expect(diagnosis.rootCause.entity == Entity(kind: "member", id: "e3"))
        #expect(diagnosis.unsupportedClaims.isEmpty)
    }

    @Test(
        "move-leader (the transfer etcdctl sends): one leader-changed, diagnosed leader-transfer, not churn",
        .enabled(if: installed, "etcd is not installed: apt-get install etcd-server"))
    func moveLeader() async throws {
        let h = try await RealFaultHarness()
        defer { h.cleanup() }
        try await h.start()
        let snapshot = try #require(await h.latest.value)
        let leader = try #require(snapshot.leader)
        let target = try #require(snapshot.members.first { $0.id != leader.id })
        let leaderURL = try #require(snapshot.member(leader.id)?.clientURL)
        let (status, body) = try await RealFaultHarness.post(
            leaderURL + "/v3/maintenance/transfer-leadership", #"{"targetID":"\#(target.id.decimal)"}"#)
        #expect(status == 200, "\(body)")
        try await eventually("leader-changed", within: .seconds(60), describe: h.dump) {
            try await h.openKeys().contains("leader-changed@cluster")
        }
        try await h.waitTicks(1)
        let transferDump = await h.dump()
        #expect(try await h.openKeys() == ["leader-changed@cluster"], "\(transferDump)")
        let incident = try await soleIncident(h, containing: "leader-changed@cluster")
        let diagnosed = try await h.diagnose(incident.id)
        let dumped = await h.dump()
        let diagnosis = try #require(diagnosed, "\(dumped)")
        #expect(diagnosis.rootCause.category == "leader-transfer", "\(diagnosis.summary)")
        #expect(diagnosis.rootCause.explanation.contains("\(target.name) leads now"))
        #expect(!diagnosis.rootCause.explanation.contains("timing out"))
    }

    @Test(
        "member remove of a follower: member-removed on it, diagnosed member-removed",
        .enabled(if: installed, "etcd is not installed: apt-get install etcd-server"))
    func memberRemove() async throws {
        let h = try await RealFaultHarness()
        defer { h.cleanup() }
        try await h.start()
        let snapshot = try #require(await h.latest.value)
        let leader = try #require(snapshot.leader)
        let victim = try #require(snapshot.members.first { $0.id != leader.id })
        let leaderURL = try #require(snapshot.member(leader.id)?.clientURL)
        // etcd refuses to remove a member that became active moments ago ("unhealthy cluster"): retry.
        try await eventually("member \(victim.name) removed", within: .seconds(60), describe: h.dump) {
            let (status, _) = try await RealFaultHarness.post(leaderURL + "/v3/cluster/member/remove", #"{"ID":"\#(victim.id.decimal)"}"#)
            return status == 200
        }
        try await eventually("member-removed on \(victim.name)", within: .seconds(60), describe: h.dump) {
            try await h.openKeys().contains("member-removed@member:\(victim.name)")
        }
        try await h.waitTicks(1)
        let keys = try await h.openKeys()
        #expect(!keys.contains { $0.hasPrefix("member-down@") || $0.hasPrefix("quorum-lost@") }, "\(keys)")
        let incident = try await soleIncident(h, containing: "member-removed@member:\(victim.name)")
        let diagnosed = try await h.diagnose(incident.id)
        let dumped = await h.dump()
        let diagnosis = try #require(diagnosed, "\(dumped)")
        #expect(diagnosis.rootCause.category == "member-removed")
        #expect(diagnosis.rootCause.entity == Entity(kind: "member", id: victim.name))
    }

    @Test(
        "two independent faults at once (a frozen follower, NOSPACE raised by another member): two incidents, each diagnosed as its own fault",
        .enabled(if: installed, "etcd is not installed: apt-get install etcd-server"))
    func frozenAndFull() async throws {
        let h = try await RealFaultHarness { plan in plan.members[2].arguments += ["--quota-backend-bytes", "1048576"] }
        defer { h.cleanup() }
        try await h.start()
        let leader = try #require(await h.latest.value?.leader?.name)
        // Freeze a member that neither leads nor holds the small quota; write through the leader.
        let frozen = try #require(["e1", "e2"].first { $0 != leader })
        let frozenPid = try pid(h, frozen)
        kill(frozenPid, SIGSTOP)
        defer { kill(frozenPid, SIGCONT) }
        let value = Data(repeating: UInt8(ascii: "y"), count: 100_000).base64EncodedString()
        var refused = false
        for i in 0..<40 where !refused {
            let key = Data("pair-\(i)".utf8).base64EncodedString()
            let (status, body) = try await RealFaultHarness.post(h.endpoint(leader) + "/v3/kv/put", #"{"key":"\#(key)","value":"\#(value)"}"#)
            if status == 429 || body.contains("database space exceeded") { refused = true }
        }
        #expect(refused)
        try await eventually("member-unresponsive on \(frozen) and alarm-active on e3", within: .seconds(90), describe: h.dump) {
            let keys = try await h.openKeys()
            return keys.contains("member-unresponsive@member:\(frozen)") && keys.contains("alarm-active@member:e3")
        }
        try await h.waitTicks(3)
        let tickets = try await h.openTickets()
        let frozenIncident = try #require(tickets.first { $0.invariant == "member-unresponsive" }?.incidentID)
        let alarmIncident = try #require(tickets.first { $0.invariant == "alarm-active" }?.incidentID)
        let dumped = await h.dump()
        #expect(frozenIncident != alarmIncident, "independent faults, separate incidents: \(dumped)")
        #expect(try await h.openIncidents().count == 2, "\(dumped)")
        let first = try #require(try await h.diagnose(frozenIncident), "\(dumped)")
        #expect(first.rootCause.category == "node-unresponsive")
        #expect(first.rootCause.entity == Entity(kind: "member", id: frozen))
        let second = try #require(try await h.diagnose(alarmIncident), "\(dumped)")
        #expect(second.rootCause.category == "db-quota")
        #expect(second.rootCause.entity == Entity(kind: "member", id: "e3"))
    }
}
