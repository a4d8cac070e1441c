import Foundation
import OperatorCore
import Testing

@testable import SubjectEtcd

@Suite("etcd invariants on constructed snapshots")
struct InvariantTests {
    @Test("a healthy cluster violates nothing")
    func healthy() throws {
        let s = SnapshotBuilder().snapshot
        let subject = try EtcdSubject(configuration: .init(endpoints: ["http://127.0.0.1:2379"]))
        let evaluation = subject.evaluate(s)
        #expect(evaluation.violations.isEmpty)
        #expect(evaluation.skipped.keys.sorted() == ["db-size-near-quota", "fsync-slow", "proposals-failing"], "no metrics yet")
        #expect(subject.invariants.map(\.id) == [
            "member-down", "no-leader", "quorum-lost", "leader-churn", "fsync-slow", "db-size-near-quota", "proposals-failing",
        ])
    }

    @Test("member-down: an unreachable member at once, naming it and that it led")
    func memberDownUnreachable() throws {
        var b = SnapshotBuilder()
        b.kill("e1")
        let v = MemberDownInvariant().evaluate(b.snapshot)
        #expect(v.keys == ["member-down@member:e1"])
        #expect(v[0].severity == .critical)
        #expect(v[0].message.contains("member e1 (http://127.0.0.1:2379) is unreachable: connection refused"))
        #expect(v[0].message.contains("it is the leader the other members still follow (term 2)"))
        #expect(v[0].excerpt["was_leader"] == .bool(true))

        b.leaderMoved(from: "e1", to: "e3")
        b.snapshot.previousLeader?.until = b.snapshot.observedAt
        let after = MemberDownInvariant().evaluate(b.snapshot)
        #expect(after[0].message.contains("it was the leader until term 2; e3 leads now (term 3)"))

        // Leadership that ended before this outage is history, not part of the message.
        b.snapshot.previousLeader?.until = b.snapshot.observedAt.addingTimeInterval(-600)
        let stale = MemberDownInvariant().evaluate(b.snapshot)
        #expect(!stale[0].message.contains("leader"))
        #expect(stale[0].excerpt["was_leader"] == .bool(false))
    }

    @Test("member-down: unhealthy only after N observations, and not when the member only lacks a leader")
    func memberDownUnhealthy() {
        var b = SnapshotBuilder()
        b.unhealthy("e2", observations: 2)
        #expect(MemberDownInvariant(unhealthyAfter: 3).evaluate(b.snapshot).isEmpty, "an election blip")
        b.unhealthy("e2", observations: 3)
        let v = MemberDownInvariant(unhealthyAfter: 3).evaluate(b.snapshot)
        #expect(v.keys == ["member-down@member:e2"])
        #expect(v[0].severity == .warning)
        #expect(v[0].message.contains("failed /health on 3 consecutive observations"))

        var q = SnapshotBuilder()
        q.kill("e2")
        q.kill("e3")
        q.leaderless(observations: 5)
        q.unhealthy("e1", observations: 5, noLeader: true)
        #expect(MemberDownInvariant().evaluate(q.snapshot).keys == ["member-down@member:e2", "member-down@member:e3"])
    }

    @Test("member-down names a member without a name by its hex id")
    func unnamedMember() {
        var b = SnapshotBuilder()
        b.snapshot.members.append(
            EtcdSubject.notStarted(EtcdGatewayMember(id: EtcdMemberID(0xabc), name: "", peerURLs: ["http://h:2380"], clientURLs: [], isLearner: true)))
        let v = MemberDownInvariant().evaluate(b.snapshot)
        #expect(v.keys == ["member-down@member:abc"])
        #expect(v[0].message.contains("never started"))
        #expect(QuorumLostInvariant().evaluate(b.snapshot).isEmpty, "a learner does not count towards quorum")
    }

    @Test("quorum-lost: fewer than a majority serving; one of three down is fine")
    func quorum() {
        var b = SnapshotBuilder()
        b.kill("e3")
        #expect(QuorumLostInvariant().evaluate(b.snapshot).isEmpty)
        b.kill("e2")
        let v = QuorumLostInvariant().evaluate(b.snapshot)
        #expect(v.keys == ["quorum-lost@cluster"])
        #expect(v[0].message == "quorum lost: 1 of 3 voting members serving (e1), a majority needs 2; not serving: e2 (unreachable), e3 (unreachable)")

        var five = SnapshotBuilder(members: ["e1", "e2", "e3", "e4", "e5"])
        five.kill("e4")
        five.kill("e5")
        #expect(QuorumLostInvariant().evaluate(five.snapshot).isEmpty, "3 of 5 is a majority")
        five.unhealthy("e3", observations: 1)
        #expect(QuorumLostInvariant().evaluate(five.snapshot).isEmpty, "one failed probe is not persistent")
        five.unhealthy("e3", observations: 3)
        #expect(QuorumLostInvariant(unhealthyAfter: 3).evaluate(five.snapshot).count == 1)
    }

    @Test("no-leader: after the configured number of leaderless observations")
    func noLeader() {
        var b = SnapshotBuilder()
        b.kill("e2")
        b.kill("e3")
        b.leaderless(observations: 1)
        #expect(NoLeaderInvariant(after: 2).evaluate(b.snapshot).isEmpty)
        b.leaderless(observations: 2)
        let v = NoLeaderInvariant(after: 2).evaluate(b.snapshot)
        #expect(v.keys == ["no-leader@cluster"])
        #expect(v[0].message.contains(#"e1 says "etcdserver: no leader""#))
        #expect(v[0].message.contains("last leader e1"))

        var silent = SnapshotBuilder()
        for i in silent.snapshot.members.indices { silent.snapshot.members[i].status = nil }
        #expect(NoLeaderInvariant().unavailableReason(in: silent.snapshot) != nil)
    }

    @Test("leader-churn: from metrics when present, else from changes Operator saw")
    func churn() {
        var b = SnapshotBuilder()
        b.snapshot.observedLeaderChanges = 5
        let observed = LeaderChurnInvariant(maximum: 3).evaluate(b.snapshot)
        #expect(observed.keys == ["leader-churn@cluster"])
        #expect(observed[0].message.contains("source: leader changes Operator observed"))

        b.metrics("e1") { $0.leaderChangesInWindow = 1 }
        b.metrics("e2") { $0.leaderChangesInWindow = 2 }
        #expect(LeaderChurnInvariant(maximum: 3).evaluate(b.snapshot).isEmpty, "metrics win over the observed count")
        b.metrics("e3") { $0.leaderChangesInWindow = 4 }
        let v = LeaderChurnInvariant(maximum: 3).evaluate(b.snapshot)
        #expect(v.first?.message.hasPrefix("4 leader changes in the last 5m") == true)
    }

    @Test("fsync-slow: p99 over the threshold per member; NaN (no writes) is healthy; no data is no verdict")
    func fsync() {
        var b = SnapshotBuilder()
        let inv = FsyncSlowInvariant(thresholdSeconds: 0.5)
        #expect(inv.unavailableReason(in: b.snapshot) != nil)
        b.metrics("e1") { $0.walFsyncP99Seconds = .nan }
        b.metrics("e2") { $0.walFsyncP99Seconds = 0.004 }
        b.metrics("e3") { $0.walFsyncP99Seconds = 1.2; $0.walFsyncsInWindow = 40 }
        #expect(inv.unavailableReason(in: b.snapshot) == nil)
        let v = inv.evaluate(b.snapshot)
        #expect(v.keys == ["fsync-slow@member:e3"])
        #expect(v[0].message == "WAL fsync p99 on e3 is 1.2s over the last 5m (threshold 500ms)")
        #expect(v[0].excerpt["fsyncs_in_window"] == .number(40))
        b.metrics("e3") { $0.walFsyncsInWindow = 3 }
        #expect(inv.evaluate(b.snapshot).isEmpty, "the slowest of three fsyncs is no p99")
    }

    @Test("db-size-near-quota: ratio from metrics or the configured quota; NOSPACE is critical")
    func dbQuota() {
        var b = SnapshotBuilder()
        let inv = DBSizeNearQuotaInvariant(ratio: 0.8)
        #expect(inv.unavailableReason(in: b.snapshot) != nil, "status gives the size but not the quota")
        #expect(DBSizeNearQuotaInvariant(ratio: 0.8, fallbackQuotaBytes: 1000).unavailableReason(in: b.snapshot) == nil)
        b.metrics("e1") { $0.dbTotalSizeBytes = 1_800_000_000; $0.quotaBackendBytes = 2_147_483_648 }
        b.metrics("e2") { $0.dbTotalSizeBytes = 20480; $0.quotaBackendBytes = 2_147_483_648 }
        let v = inv.evaluate(b.snapshot)
        #expect(v.keys == ["db-size-near-quota@member:e1"])
        #expect(v[0].severity == .warning)
        #expect(v[0].message.contains("84% of its 2.0 GiB quota (threshold 80%)"))

        b.snapshot.members[b.index("e2")].status?.errors = ["etcdserver: mvcc: database space exceeded (NOSPACE alarm)"]
        let alarmed = inv.evaluate(b.snapshot)
        #expect(alarmed.first { $0.entity == "member:e2" }?.severity == .critical)
    }

    @Test("proposals-failing: failures summed over members within the window")
    func proposals() {
        var b = SnapshotBuilder()
        let inv = ProposalsFailingInvariant(maximum: 5)
        #expect(inv.unavailableReason(in: b.snapshot) != nil)
        b.metrics("e1") { $0.proposalsFailedInWindow = 2 }
        b.metrics("e2") { $0.proposalsFailedInWindow = 1 }
        #expect(inv.evaluate(b.snapshot).isEmpty, "a leader election fails one or two")
        b.metrics("e3") { $0.proposalsFailedInWindow = 4; $0.proposalsPending = 12 }
        let v = inv.evaluate(b.snapshot)
        #expect(v.first?.message == "7 raft proposals failed in the last 5m (e1: 2, e2: 1, e3: 4; more than 5 allowed); 12 pending")
    }
}
