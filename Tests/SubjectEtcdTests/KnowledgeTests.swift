import Foundation
import OperatorCore
import OperatorTestSupport
import Testing

@testable import SubjectEtcd

@Suite("etcd diagnosis knowledge")
struct KnowledgeTests {
    let subject: EtcdSubject

    init() throws {
        subject = try EtcdSubject(configuration: .init(endpoints: ["http://127.0.0.1:2379"]))
    }

    /// Evaluates the snapshot, gathers evidence from it, and runs the offline rules on an incident rooted
    /// on `root` holding every violation: what the diagnosis runner does, minus the store.
    func diagnose(_ s: EtcdSnapshot, root: ViolationKey, excerptFrom opened: EtcdSnapshot? = nil) async -> (Diagnosis, DiagnosisContext) {
        // Tickets keep the excerpt of the observation that opened them.
        let violations = subject.evaluate(opened ?? s).violations
        let tickets = violations.enumerated().map { i, v in
            ContextTicket(
                id: Int64(i + 1), invariant: v.invariant, entity: v.entity, severity: v.severity, message: v.message,
                firstSeen: s.observedAt, lastSeen: s.observedAt, occurrences: 3, excerpt: v.excerpt)
        }
        let request = EvidenceRequest(
            rootEntity: root.entity, tickets: tickets, window: DateInterval(start: s.observedAt.addingTimeInterval(-600), end: s.observedAt))
        let evidence = await subject.knowledge.gatherEvidence(for: request, snapshot: s)
        let context = DiagnosisContext(
            subject: "etcd", incident: ContextIncident(id: 1, rootEntity: root.entity, rootInvariant: root.invariant, title: "t"),
            tickets: tickets, otherOpenTickets: [], taxonomy: subject.knowledge.taxonomy, evidence: evidence, builtAt: s.observedAt)
        return (OfflineDiagnoser.reason(over: context, rules: subject.knowledge.rules), context)
    }

    @Test("one follower down: node-down on it; quorum-lost rejected citing the serving members")
    func followerDown() async {
        var b = SnapshotBuilder()
        b.kill("e3")
        let (d, context) = await diagnose(b.snapshot, root: ViolationKey(invariant: "member-down", entity: "member:e3"))
        #expect(d.rootCause.category == "node-down")
        #expect(d.rootCause.entity == "member:e3")
        #expect(d.confidence == 0.9)
        #expect(d.evidence.contains { $0.signal == "member.reachability (member:e3)" && $0.value == "refused" })
        let quorum = d.alternatives.first { $0.hypothesis.hasPrefix("quorum-lost") }
        #expect(quorum?.rejectedBecause == "e1 leads", "a leader that answers: quorum is not lost")
        let disk = d.alternatives.first { $0.hypothesis.hasPrefix("slow-disk") }
        #expect(disk?.rejectedBecause.contains("no fsync or backend commit latency was gathered") == true)
        #expect(context.evidence.notes.contains { $0.contains("needs a Prometheus server") })
        #expect(context.evidence.notes.contains { $0.contains("no etcd log files configured") })
        #expect(context.signal(named: "cluster.quorum", on: .cluster)?.number == 2)
    }

    @Test("the killed leader: node-down says it led and who leads now")
    func leaderDown() async throws {
        var b = SnapshotBuilder()
        b.kill("e1")
        b.leaderMoved(from: "e1", to: "e2")
        let (d, _) = await diagnose(b.snapshot, root: ViolationKey(invariant: "member-down", entity: "member:e1"))
        #expect(d.rootCause.category == "node-down")
        #expect(d.rootCause.explanation.contains("e1 was the leader until it went down, so the others had to elect a new one; e2 leads now"))
        #expect(d.evidence.contains { $0.signal == "member.was_leader (member:e1)" && $0.value == "true" })

        // A one-shot diagnosis observes afresh and no longer knows who led; the ticket's excerpt does.
        let fresh = try #require(Self.forgetLeadership(b.snapshot))
        let (later, _) = await diagnose(fresh, root: ViolationKey(invariant: "member-down", entity: "member:e1"), excerptFrom: b.snapshot)
        #expect(later.rootCause.explanation.contains("e1 was the leader when it went down (ticket #1)"))
        #expect(later.evidence.contains { $0.signal == "member.was_leader (member:e1)" && $0.queryOrSource == "ticket #1 excerpt" })
    }

    static func forgetLeadership(_ s: EtcdSnapshot) -> EtcdSnapshot? {
        var copy = s
        copy.previousLeader = nil
        return copy
    }

    @Test("two of three down: quorum-lost on the cluster outranks node-down")
    func twoDown() async {
        var b = SnapshotBuilder()
        b.kill("e2")
        b.kill("e3")
        b.leaderless(observations: 3)
        b.unhealthy("e1", observations: 3, noLeader: true)
        let (d, _) = await diagnose(b.snapshot, root: ViolationKey(invariant: "member-down", entity: "member:e2"))
        #expect(d.rootCause.category == "quorum-lost")
        #expect(d.rootCause.entity == .cluster)
        #expect(d.rootCause.explanation.contains("no member that answers leads; a linearizable read failed on every member that answered"))
        #expect(d.rootCause.explanation.contains("not answering: e2 (refused), e3 (refused)"))
        #expect(d.alternatives.contains { $0.hypothesis.hasPrefix("node-down on member:e2") })
        #expect(d.recommendedActions.contains { $0.risk == "high" && $0.action.contains("--force-new-cluster") })
    }

    @Test("slow fsync explains leader churn; a full database is db-quota; lost streams between live members are network-partition")
    func otherCategories() async {
        var churn = SnapshotBuilder()
        churn.snapshot.observedLeaderChanges = 6
        churn.metrics("e2") { $0.walFsyncP99Seconds = 1.5; $0.walFsyncsInWindow = 200; $0.backendCommitP99Seconds = 0.9 }
        let (slow, _) = await diagnose(churn.snapshot, root: ViolationKey(invariant: "fsync-slow", entity: "member:e2"))
        #expect(slow.rootCause.category == "slow-disk")
        #expect(slow.rootCause.entity == "member:e2")
        #expect(slow.alternatives.contains { $0.hypothesis.hasPrefix("leader-churn") })

        var full = SnapshotBuilder()
        full.metrics("e1") { $0.dbTotalSizeBytes = 2_000_000_000; $0.quotaBackendBytes = 2_147_483_648 }
        let (quota, _) = await diagnose(full.snapshot, root: ViolationKey(invariant: "db-size-near-quota", entity: "member:e1"))
        #expect(quota.rootCause.category == "db-quota")
        #expect(quota.rootCause.explanation.contains("93%"))

        var split = SnapshotBuilder()
        split.snapshot.observedLeaderChanges = 5
        split.metrics("e1") { $0.activePeers = [GatewayFixtures.e2: 0, GatewayFixtures.e3: 1] }
        let (lag, _) = await diagnose(split.snapshot, root: ViolationKey(invariant: "leader-churn", entity: .cluster))
        #expect(lag.rootCause.category == "network-partition")
        #expect(lag.rootCause.entity == "member:e2", "the member the others lost")
        #expect(lag.rootCause.explanation.contains("e1→e2"))
    }

    @Test("log files in the settings give parsed events from the incident window")
    func logEvidence() async throws {
        let dir = try TemporaryDirectory(prefix: "etcd-logs")
        defer { dir.remove() }
        // Lines from §A "SIGKILL the leader", written by the winner and the other survivor.
        try """
            {"level":"info","ts":"2026-11-23T07:06:24.307Z","caller":"raft/raft.go:929","msg":"d4840de1ab8e89f9 is starting a new election at term 2"}
            {"level":"info","ts":"2026-11-23T07:06:24.309Z","caller":"raft/raft.go:771","msg":"d4840de1ab8e89f9 became leader at term 3"}
            2026-11-23 07:06:24.242781 W | etcdserver/api/etcdhttp: /health error; QGET failed etcdserver: request timed out, possibly due to connection lost (status code 503)
            {"level":"info","ts":"2026-11-23T06:00:00.000Z","caller":"raft/raft.go:771","msg":"d4840de1ab8e89f9 became leader at term 1"}
            not a log line at all
            """.write(toFile: dir.file("e3.log"), atomically: true, encoding: .utf8)
        let subject = try EtcdSubject(
            configuration: .init(endpoints: ["http://127.0.0.1:2379"], settings: ["log_files": [.string(dir.file("e3.log")), "/nonexistent.log"]]))
        var b = SnapshotBuilder()
        b.kill("e1")
        let end = try #require(Timestamp.parse("2026-11-23T07:10:00Z"))
        let request = EvidenceRequest(rootEntity: "member:e1", tickets: [], window: DateInterval(start: end.addingTimeInterval(-600), end: end))
        let evidence = await subject.knowledge.gatherEvidence(for: request, snapshot: b.snapshot)
        #expect(evidence.logEvents.map(\.kind) == ["health-error", "election-started", "became-leader"])
        #expect(evidence.logEvents.last?.entity == "member:e3", "hex ids named from the member list")
        #expect(evidence.notes.contains("1 line(s) of \(dir.file("e3.log")) are not etcd log lines"))
        #expect(evidence.notes.contains("log file /nonexistent.log could not be read"))
    }
}
