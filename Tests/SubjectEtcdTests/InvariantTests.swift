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
            "member-down", "member-unresponsive", "member-unhealthy", "member-removed", "alarm-active", "no-leader", "quorum-lost",
            "leader-churn", "leader-changed", "fsync-slow", "db-size-near-quota", "proposals-failing",
        ])
    }

    @Test("member-down: an unreachable member at once, naming it and that it led")
    func memberDownUnreachable() throws {
        var b = SnapshotBuilder()
        b.kill("e1")
        let v = MemberDownInvariant().evaluate(b.snapshot)
        #expect(v.keys == ["member-down@member:e1"])
        #expect(v[0].severity == .critical)
        #expect(v[0].message.contains("member e1 (http://127.0.0.1:2379) is down: connection refused"))
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

    @Test("member-unhealthy (never member-down): a member that answers and fails /health, after N observations, not when it only lacks a leader")
    func memberUnhealthy() {
        var b = SnapshotBuilder()
        b.unhealthy("e2", observations: 2)
        #expect(MemberUnhealthyInvariant(unhealthyAfter: 3).evaluate(b.snapshot).isEmpty, "an election blip")
        b.unhealthy("e2", observations: 3)
        #expect(MemberDownInvariant().evaluate(b.snapshot).isEmpty, "its process answers")
        let v = MemberUnhealthyInvariant(unhealthyAfter: 3).evaluate(b.snapshot)
        #expect(v.keys == ["member-unhealthy@member:e2"])
        #expect(v[0].severity == .warning)
        #expect(v[0].message.contains("answers but failed /health on 3 consecutive observations (failing): GET /health answered HTTP 503"))

        var q = SnapshotBuilder()
        q.kill("e2")
        q.kill("e3")
        q.leaderless(observations: 5)
        q.unhealthy("e1", observations: 5, noLeader: true)
        #expect(MemberDownInvariant().evaluate(q.snapshot).keys == ["member-down@member:e2", "member-down@member:e3"])
        #expect(MemberUnhealthyInvariant().evaluate(q.snapshot).isEmpty, "e1 only lacks a leader")
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

    @Test("quorum-lost: a failed linearizable read with a minority answering, or no leader for N observations; never while reads are served")
    func quorum() {
        var b = SnapshotBuilder()
        b.kill("e3")
        #expect(QuorumLostInvariant().evaluate(b.snapshot).isEmpty)
        b.kill("e2")
        b.snapshot.linearizableRead = EtcdReadCheck(succeeded: true, answers: ["e1": "served"])
        #expect(QuorumLostInvariant().evaluate(b.snapshot).isEmpty, "e1 leads and serves reads")
        b.snapshot.linearizableRead = EtcdReadCheck(succeeded: false, answers: ["e1": "no answer within the probe budget"])
        #expect(
            QuorumLostInvariant().evaluate(b.snapshot).first?.message.hasPrefix(
                "quorum lost: e1 still calls itself the leader but cannot confirm it with a majority and a linearizable read failed") == true,
            "a minority answers and the self-named leader cannot serve a read")
        var stale = SnapshotBuilder()
        stale.kill("e1")
        stale.kill("e2")
        stale.snapshot.linearizableRead = EtcdReadCheck(succeeded: false, answers: ["e3": "no answer within the probe budget"])
        let early = QuorumLostInvariant(after: 2).evaluate(stale.snapshot)
        #expect(early.count == 1, "a minority answers, the leader it names is dead and its read fails")
        #expect(early.first?.message.contains("the members still name e1 as leader, which does not answer") == true)
        stale.snapshot.linearizableRead?.succeeded = true
        #expect(QuorumLostInvariant(after: 2).evaluate(stale.snapshot).isEmpty, "reads served: not lost")
        b.leaderless(observations: 1)
        #expect(QuorumLostInvariant(after: 2).evaluate(b.snapshot).count == 1, "only a minority answers: no election can succeed")
        var election = SnapshotBuilder()
        election.leaderless(observations: 1)
        #expect(QuorumLostInvariant(after: 2).evaluate(election.snapshot).isEmpty, "all answer: one leaderless observation is an election")
        election.leaderless(observations: 2)
        #expect(QuorumLostInvariant(after: 2).evaluate(election.snapshot).count == 1, "still no leader, reads fail")
        b.leaderless(observations: 2)
        let v = QuorumLostInvariant(after: 2).evaluate(b.snapshot)
        #expect(v.keys == ["quorum-lost@cluster"])
        #expect(
            v[0].message
                == "quorum lost: no member reports a leader for 2 consecutive observation(s) and a linearizable read failed (e1: answered HTTP 503: etcdserver: request timed out); 1 of 3 voting members answer (e1), a majority needs 2; not answering: e2 (refused), e3 (refused)"
        )
        b.leaderless(observations: 2, readFails: false)
        #expect(QuorumLostInvariant(after: 2).evaluate(b.snapshot).isEmpty, "a served linearizable read means a majority still works")
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

        b.alarm(raisedBy: "e2")
        let alarmed = inv.evaluate(b.snapshot)
        #expect(alarmed.first { $0.entity == "member:e2" }?.severity == .critical)
        #expect(alarmed.first { $0.entity == "member:e2" }?.message.contains("NOSPACE alarm raised by e2") == true)
        #expect(alarmed.count == 2, "only the member that raised the alarm, not every member repeating it: \(alarmed.keys)")
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
