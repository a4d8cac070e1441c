import Foundation
import OperatorCore
import OperatorTestSupport
import Testing

@testable import SubjectEtcd

/// Each real-fault family, as a snapshot built from what real etcd answered: which violations it raises,
/// how they link (one incident per fault), and what the offline rules conclude — with every claim of the
/// diagnosis passing the strict audit the diagnosis runner applies to offline diagnoses.
@Suite("etcd fault families: links and diagnoses with audited claims")
struct FaultFamilyTests {
    let subject: EtcdSubject

    init() throws {
        subject = try EtcdSubject(configuration: .init(endpoints: ["http://127.0.0.1:2379"]))
    }

    struct Outcome {
        var violations: [Violation]
        var links: [CausalLink]
        var diagnosis: Diagnosis
        var context: DiagnosisContext
    }

    /// The incident is every violation whose root (following links) is `root`, plus `extraTickets`
    /// (tickets of the fault still open but no longer violated); then evidence, rules and the strict audit.
    /// `evidenceFrom` is the observation evidence is gathered from (a one-shot diagnosis observes afresh).
    func run(_ s: EtcdSnapshot, root: ViolationKey, extraTickets: [ViolationKey] = [], evidenceFrom: EtcdSnapshot? = nil) async throws -> Outcome {
        let violations = subject.evaluate(s).violations
        let links = subject.knowledge.causalLinks(among: violations, in: s)
        var parent: [ViolationKey: ViolationKey] = [:]
        for l in links where parent[l.effect] == nil && l.cause != l.effect { parent[l.effect] = l.cause }
        func rootOf(_ k: ViolationKey) -> ViolationKey {
            var k = k
            var seen: Set<ViolationKey> = [k]
            while let p = parent[k], seen.insert(p).inserted { k = p }
            return k
        }
        let members = violations.filter { rootOf($0.key) == root }
        var tickets = members.enumerated().map { i, v in
            ContextTicket(
                id: Int64(i + 1), invariant: v.invariant, entity: v.entity, severity: v.severity, message: v.message,
                firstSeen: s.observedAt, lastSeen: s.observedAt, occurrences: 3, excerpt: v.excerpt)
        }
        for (i, k) in extraTickets.enumerated() {
            tickets.insert(
                ContextTicket(
                    id: Int64(100 + i), invariant: k.invariant, entity: k.entity, severity: .critical, message: "\(k)",
                    firstSeen: s.observedAt.addingTimeInterval(-20), lastSeen: s.observedAt.addingTimeInterval(-5), occurrences: 5,
                    excerpt: ["member": .string(k.entity.id ?? "")]),
                at: 0)
        }
        let request = EvidenceRequest(
            rootEntity: root.entity, tickets: tickets, window: DateInterval(start: s.observedAt.addingTimeInterval(-600), end: s.observedAt))
        let evidence = await subject.knowledge.gatherEvidence(for: request, snapshot: evidenceFrom ?? s)
        let context = DiagnosisContext(
            subject: "etcd", incident: ContextIncident(id: 1, rootEntity: root.entity, rootInvariant: root.invariant, title: "t"),
            tickets: tickets, otherOpenTickets: [], taxonomy: subject.knowledge.taxonomy, evidence: evidence, builtAt: s.observedAt)
        var diagnosis = OfflineDiagnoser.reason(over: context, rules: subject.knowledge.rules)
        try diagnosis.audit(against: context, strict: true)
        #expect(!diagnosis.claims.isEmpty, "the root cause states its facts as claims")
        return Outcome(violations: violations, links: links, diagnosis: diagnosis, context: context)
    }

    func roots(_ o: Outcome) -> Set<ViolationKey> {
        let effects = Set(o.links.filter { $0.cause != $0.effect }.map(\.effect))
        return Set(o.violations.map(\.key).filter { !effects.contains($0) })
    }

    @Test("SIGSTOP of a follower: node-unresponsive on it, one root")
    func frozenFollower() async throws {
        var b = SnapshotBuilder()
        b.freeze("e3")
        let o = try await run(b.snapshot, root: ViolationKey(invariant: "member-unresponsive", entity: "member:e3"))
        #expect(roots(o) == [ViolationKey(invariant: "member-unresponsive", entity: "member:e3")])
        #expect(o.diagnosis.rootCause.category == "node-unresponsive")
        #expect(o.diagnosis.rootCause.entity == "member:e3")
        #expect(o.diagnosis.rootCause.explanation.contains("frozen or hung, not stopped"))
    }

    @Test("SIGSTOP of the leader: one incident (the election joins it); the frozen member is not named as leading")
    func frozenLeader() async throws {
        var b = SnapshotBuilder()
        b.freeze("e1")
        b.leaderMoved(from: "e1", to: "e2")
        b.snapshot.members[0].status = nil
        let o = try await run(b.snapshot, root: ViolationKey(invariant: "member-unresponsive", entity: "member:e1"))
        #expect(Set(o.violations.map(\.key)) == [
            ViolationKey(invariant: "member-unresponsive", entity: "member:e1"), ViolationKey(invariant: "leader-changed", entity: .cluster),
        ])
        #expect(roots(o) == [ViolationKey(invariant: "member-unresponsive", entity: "member:e1")])
        #expect(o.diagnosis.rootCause.category == "node-unresponsive")
        #expect(o.diagnosis.rootCause.entity == "member:e1")
        #expect(o.diagnosis.rootCause.explanation.contains("e1 was the leader until it froze"))
        #expect(o.diagnosis.rootCause.explanation.contains("e2 leads now"))
    }

    @Test("a resumed member's long fsync and failing health are the freeze's after-effects: linked to its outage ticket")
    func resumed() async throws {
        var b = SnapshotBuilder()
        b.recovering("e3", from: .silent, since: b.snapshot.observedAt.addingTimeInterval(-4))
        b.unhealthy("e3", observations: 3)
        b.metrics("e3") {
            $0.walFsyncP99Seconds = 4.1
            $0.walFsyncsInWindow = 30
        }
        let outage = ViolationKey(invariant: "member-unresponsive", entity: "member:e3")
        let o = try await run(b.snapshot, root: outage, extraTickets: [outage])
        #expect(o.links.contains { $0.cause == outage && $0.effect == ViolationKey(invariant: "fsync-slow", entity: "member:e3") })
        #expect(!o.violations.contains { $0.invariant == "member-unhealthy" }, "a recovering member is not reported unhealthy")
        #expect(o.diagnosis.rootCause.category == "node-unresponsive", "\(o.diagnosis.summary)")
        #expect(o.diagnosis.rootCause.entity == "member:e3")
        #expect(o.diagnosis.alternatives.contains { $0.hypothesis.hasPrefix("slow-disk") && $0.rejectedBecause.contains("recovering") })
    }

    @Test("NOSPACE alarm: one incident rooted on the alarm; db-quota on the member that raised it; no quorum claims")
    func noSpace() async throws {
        var b = SnapshotBuilder()
        b.alarm(raisedBy: "e3")
        b.metrics("e3") {
            $0.dbTotalSizeBytes = 1_429_504
            $0.quotaBackendBytes = 1_048_576
        }
        let root = ViolationKey(invariant: "alarm-active", entity: "member:e3")
        let o = try await run(b.snapshot, root: root)
        #expect(roots(o) == [root])
        #expect(o.diagnosis.rootCause.category == "db-quota")
        #expect(o.diagnosis.rootCause.entity == "member:e3")
        #expect(o.diagnosis.rootCause.explanation.contains("e3 raised the NOSPACE alarm"))
        let quorum = o.diagnosis.alternatives.first { $0.hypothesis.hasPrefix("quorum-lost") }
        #expect(quorum?.rejectedBecause == "e1 leads")
    }

    @Test("move-leader: leader-transfer while the previous leader stays healthy; not churn")
    func transfer() async throws {
        var b = SnapshotBuilder()
        b.leaderMoved(from: "e2", to: "e1")
        b.snapshot.previousLeader?.reachable = true
        let root = ViolationKey(invariant: "leader-changed", entity: .cluster)
        let o = try await run(b.snapshot, root: root)
        #expect(o.violations.map(\.key) == [root])
        #expect(o.violations[0].severity == .info)
        #expect(o.diagnosis.rootCause.category == "leader-transfer")
        #expect(o.diagnosis.rootCause.explanation.contains("e2 still answers and is healthy"))
        #expect(!o.diagnosis.rootCause.explanation.contains("timing out"))
    }

    @Test("move-leader diagnosed by a one-shot observation that never saw the change: the leader-changed ticket is cited")
    func transferOneShot() async throws {
        var b = SnapshotBuilder()
        b.leaderMoved(from: "e2", to: "e1")
        b.snapshot.previousLeader?.reachable = true
        let fresh = SnapshotBuilder().snapshot  // e1 leads, nothing remembered
        let root = ViolationKey(invariant: "leader-changed", entity: .cluster)
        let o = try await run(b.snapshot, root: root, evidenceFrom: fresh)
        #expect(o.context.signal(named: "cluster.previous_leader", on: .cluster) == nil)
        #expect(o.diagnosis.rootCause.category == "leader-transfer")
        #expect(o.diagnosis.claims.first?.evidence == ["t1"])
        #expect(o.diagnosis.rootCause.explanation.contains("leadership moved from e2 to e1 while e2 answered, healthy (ticket #1)"))

        // The same change after the previous leader froze is not a transfer.
        var lost = SnapshotBuilder()
        lost.freeze("e2")
        lost.leaderMoved(from: "e2", to: "e1")
        let frozen = try await run(lost.snapshot, root: ViolationKey(invariant: "member-unresponsive", entity: "member:e2"), evidenceFrom: fresh)
        #expect(frozen.diagnosis.rootCause.category != "leader-transfer")
        #expect(frozen.diagnosis.alternatives.contains { $0.hypothesis.hasPrefix("leader-transfer") && $0.rejectedBecause.contains("e2 was unresponsive when leadership moved to e1") })
    }

    @Test("with etcd's logs read, the transfer diagnosis also cites the logged hand-over")
    func transferLogged() async throws {
        var b = SnapshotBuilder()
        b.leaderMoved(from: "e2", to: "e1")
        b.snapshot.previousLeader?.reachable = true
        let dir = try TemporaryDirectory(prefix: "etcd-transfer-log")
        defer { dir.remove() }
        let ts = Timestamp.format(b.snapshot.observedAt.addingTimeInterval(-3))
        let e1 = GatewayFixtures.e1, e2 = GatewayFixtures.e2
        try #"{"level":"info","ts":"\#(ts)","caller":"etcdserver/server.go:1456","msg":"leadership transfer starting","local-member-id":"\#(e2)","current-leader-member-id":"\#(e2)","transferee-member-id":"\#(e1)"}"#
            .write(toFile: dir.file("e2.log"), atomically: true, encoding: .utf8)
        let logged = try EtcdSubject(
            configuration: .init(endpoints: ["http://127.0.0.1:2379"], settings: ["log_files": [.string(dir.file("e2.log"))]]))
        let violations = logged.evaluate(b.snapshot).violations
        let tickets = violations.enumerated().map { i, v in
            ContextTicket(
                id: Int64(i + 1), invariant: v.invariant, entity: v.entity, severity: v.severity, message: v.message,
                firstSeen: b.snapshot.observedAt, lastSeen: b.snapshot.observedAt, occurrences: 1, excerpt: v.excerpt)
        }
        let request = EvidenceRequest(
            rootEntity: .cluster, tickets: tickets,
            window: DateInterval(start: b.snapshot.observedAt.addingTimeInterval(-600), end: b.snapshot.observedAt))
        let evidence = await logged.knowledge.gatherEvidence(for: request, snapshot: b.snapshot)
        let context = DiagnosisContext(
            subject: "etcd", incident: ContextIncident(id: 1, rootEntity: .cluster, rootInvariant: "leader-changed", title: "t"),
            tickets: tickets, otherOpenTickets: [], taxonomy: logged.knowledge.taxonomy, evidence: evidence, builtAt: b.snapshot.observedAt)
        var d = OfflineDiagnoser.reason(over: context, rules: logged.knowledge.rules)
        try d.audit(against: context, strict: true)
        #expect(d.rootCause.category == "leader-transfer")
        #expect(d.rootCause.explanation.contains("etcd logged a leadership transfer (leader-transfer-started on e1)"), "\(d.rootCause.explanation)")
        #expect(d.claims.last?.evidence.first?.hasPrefix("l") == true, "cites the log event")
    }

    @Test("the election after members come back is the outage's, not a transfer")
    func electionAfterRecovery() async throws {
        var b = SnapshotBuilder()
        b.leaderMoved(from: "e1", to: "e2")
        b.snapshot.previousLeader?.reachable = true
        b.recovering("e3", from: .refused, since: b.snapshot.observedAt.addingTimeInterval(-3))
        let violations = subject.evaluate(b.snapshot).violations
        #expect(violations.keys == ["leader-changed@cluster"])
        let links = subject.knowledge.causalLinks(among: violations, in: b.snapshot)
        #expect(links.contains { $0.cause == ViolationKey(invariant: "member-down", entity: "member:e3") && $0.effect.invariant == "leader-changed" })
        let outage = ViolationKey(invariant: "member-down", entity: "member:e3")
        let o = try await run(b.snapshot, root: outage, extraTickets: [outage])
        #expect(o.diagnosis.rootCause.category == "node-down")
        #expect(o.diagnosis.rootCause.entity == "member:e3")
        #expect(o.diagnosis.rootCause.explanation.contains("e3 answers again and is recovering"))
        let transfer = o.diagnosis.alternatives.first { $0.hypothesis.hasPrefix("leader-transfer") }
        #expect(transfer?.rejectedBecause.contains("an election after a fault, not a hand-over") == true, "\(transfer?.rejectedBecause ?? "none")")
    }

    @Test("a partition healing: the cut-off member's return and the term jump it forced are not a transfer")
    func partitionHealed() async throws {
        var b = SnapshotBuilder()
        b.leaderMoved(from: "e2", to: "e1", term: 51)
        b.snapshot.previousLeader?.reachable = true
        b.snapshot.previousLeader?.term = 2
        let violations = subject.evaluate(b.snapshot).violations
        #expect(violations.first?.excerpt["previous_term"] == .number(2))
        let o = try await run(b.snapshot, root: ViolationKey(invariant: "leader-changed", entity: .cluster))
        #expect(o.diagnosis.rootCause.category == "leader-churn", "\(o.diagnosis.summary)")
        #expect(o.diagnosis.rootCause.explanation.contains("the raft term went from 2 to 51: elections, not a single hand-over"))
        let transfer = o.diagnosis.alternatives.first { $0.hypothesis.hasPrefix("leader-transfer") }
        #expect(transfer?.rejectedBecause.contains("the raft term went from 2 to 51") == true, "\(transfer?.rejectedBecause ?? "none")")

        b.recovering("e3", from: .answers, since: b.snapshot.observedAt.addingTimeInterval(-2))
        let links = subject.knowledge.causalLinks(among: subject.evaluate(b.snapshot).violations, in: b.snapshot)
        #expect(links.contains { $0.cause == ViolationKey(invariant: "member-unhealthy", entity: "member:e3") && $0.effect.invariant == "leader-changed" })
        #expect(b.snapshot.condition(of: b.snapshot.members[2]).reason?.contains("passes /health again after failing it") == true)
    }

    @Test("member remove: member-removed on it")
    func removal() async throws {
        var b = SnapshotBuilder()
        b.remove("e3")
        let root = ViolationKey(invariant: "member-removed", entity: "member:e3")
        let o = try await run(b.snapshot, root: root)
        #expect(o.diagnosis.rootCause.category == "member-removed")
        #expect(o.diagnosis.rootCause.entity == "member:e3")
        #expect(o.diagnosis.rootCause.explanation.contains("the cluster has 2 voting member(s) now"))

        // A one-shot diagnosis never saw e3 listed: the ticket says it was.
        var fresh = SnapshotBuilder()
        fresh.snapshot.members.removeLast()
        let later = try await run(b.snapshot, root: root, evidenceFrom: fresh.snapshot)
        #expect(later.diagnosis.rootCause.category == "member-removed")
        #expect(later.diagnosis.rootCause.entity == "member:e3")
        #expect(later.diagnosis.claims.first?.evidence == ["t1"])
    }

    @Test("two of three killed: quorum-lost, with the read that failed cited")
    func quorumLoss() async throws {
        var b = SnapshotBuilder()
        b.kill("e3", since: b.snapshot.observedAt.addingTimeInterval(-5))
        b.kill("e2", since: b.snapshot.observedAt.addingTimeInterval(-1))
        b.leaderless(observations: 3)
        b.unhealthy("e1", observations: 3, noLeader: true)
        let root = ViolationKey(invariant: "member-down", entity: "member:e3")
        let o = try await run(b.snapshot, root: root)
        #expect(roots(o) == [root])
        #expect(o.diagnosis.rootCause.category == "quorum-lost")
        #expect(o.diagnosis.rootCause.explanation.contains("a linearizable read failed on every member that answered"))
    }

    @Test("two independent faults (frozen e3, NOSPACE raised by e1) are two roots, each diagnosed as its own fault")
    func pair() async throws {
        var b = SnapshotBuilder()
        b.freeze("e3")
        b.alarm(raisedBy: "e1")
        let frozen = ViolationKey(invariant: "member-unresponsive", entity: "member:e3")
        let alarm = ViolationKey(invariant: "alarm-active", entity: "member:e1")
        let first = try await run(b.snapshot, root: frozen)
        #expect(roots(first) == [frozen, alarm])
        #expect(first.diagnosis.rootCause.category == "node-unresponsive")
        #expect(first.diagnosis.rootCause.entity == "member:e3")
        let second = try await run(b.snapshot, root: alarm)
        #expect(second.diagnosis.rootCause.category == "db-quota")
        #expect(second.diagnosis.rootCause.entity == "member:e1")
    }

    @Test("a partitioned member (answers clients, sees no leader, peers lost both ways): network-partition on it")
    func partition() async throws {
        var b = SnapshotBuilder()
        b.unhealthy("e3", observations: 3, noLeader: true)
        for name in ["e1", "e2"] { b.metrics(name) { $0.activePeers = [GatewayFixtures.e1: 1, GatewayFixtures.e2: 1, GatewayFixtures.e3: 0] } }
        b.metrics("e3") { $0.activePeers = [GatewayFixtures.e1: 0, GatewayFixtures.e2: 0] }
        b.metrics("e3") { $0.proposalsFailedInWindow = 11 }  // as a real partitioned member counted them
        let root = ViolationKey(invariant: "member-unhealthy", entity: "member:e3")
        let o = try await run(b.snapshot, root: root)
        #expect(roots(o) == [root], "its failed proposals are the partition's: \(o.links)")
        #expect(o.violations.contains { $0.invariant == "proposals-failing" })
        #expect(o.diagnosis.rootCause.category == "network-partition")
        #expect(o.diagnosis.rootCause.entity == "member:e3")
        #expect(o.diagnosis.rootCause.explanation.contains("e1→e3"))

        // Diagnosed after the partition healed (every stream up again): the ticket names the cut-off member.
        let healed = try await run(b.snapshot, root: root, evidenceFrom: SnapshotBuilder().snapshot)
        #expect(healed.diagnosis.rootCause.category == "network-partition")
        #expect(healed.diagnosis.rootCause.entity == "member:e3")
        #expect(healed.diagnosis.claims.first?.evidence == ["t1"])
    }

    /// Seen on real etcd (Tests/Scenarios/46): iptables drops e3's peer packets; for the first seconds e3 still
    /// believes in its leader, so `/health` times out instead of saying "no leader", and rafthttp has not yet
    /// marked any peer inactive. Only e3's own proposals fail. That is not the leader overloaded.
    @Test("a member cut off moments ago (health failing, its own proposals failing, peers not yet inactive): network-partition on it, not overload")
    func partitionBeforeThePeersAreMarkedInactive() async throws {
        var b = SnapshotBuilder()
        b.unhealthy("e3", observations: 3)
        b.metrics("e3") { $0.proposalsFailedInWindow = 6 }
        let root = ViolationKey(invariant: "member-unhealthy", entity: "member:e3")
        let o = try await run(b.snapshot, root: root)
        #expect(o.diagnosis.rootCause.category == "network-partition", "\(o.diagnosis.rootCause)")
        #expect(o.diagnosis.rootCause.entity == "member:e3")

        // The same failures on the leader itself are not a member cut off from a leader.
        var leaderFailing = SnapshotBuilder()
        leaderFailing.unhealthy("e1", observations: 3)
        leaderFailing.metrics("e1") { $0.proposalsFailedInWindow = 6 }
        let onLeader = try await run(leaderFailing.snapshot, root: ViolationKey(invariant: "member-unhealthy", entity: "member:e1"))
        #expect(onLeader.diagnosis.rootCause.category != "network-partition", "\(onLeader.diagnosis.rootCause)")
    }

    @Test("the backlog is named by member, and called the leader's only when that member leads")
    func backlog() async throws {
        var b = SnapshotBuilder()
        b.metrics("e2") {
            $0.proposalsPending = 500
            $0.proposalsFailedInWindow = 9
        }
        let root = ViolationKey(invariant: "proposals-failing", entity: .cluster)
        let o = try await run(b.snapshot, root: root)
        #expect(o.diagnosis.rootCause.category == "overload")
        #expect(o.diagnosis.rootCause.explanation.contains("e2 has 500 proposals pending"))
        #expect(!o.diagnosis.rootCause.explanation.contains("leader has a backlog"))
        #expect(!o.diagnosis.rootCause.explanation.contains("it is the leader"))
    }

    @Test("a claim the context contradicts is rejected by the strict audit")
    func auditRejects() async throws {
        var b = SnapshotBuilder()
        b.kill("e1")
        b.leaderMoved(from: "e1", to: "e2")
        let o = try await run(b.snapshot, root: ViolationKey(invariant: "member-down", entity: "member:e1"))
        var forged = o.diagnosis
        let leader = try #require(o.context.signal(named: "cluster.leader", on: .cluster)?.id)
        forged.claims.append(Claim("e1 leads now", evidence: [leader], facts: [Fact(evidence: leader, equals: .string("e1"))]))
        #expect(throws: DiagnosisValidationError.self) { try forged.audit(against: o.context, strict: true) }
    }
}
