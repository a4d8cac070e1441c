import Foundation
import OperatorCore
import Testing

@testable import SubjectEtcd

@Suite("etcd causal links")
struct CausalLinkTests {
    func links(_ s: EtcdSnapshot) throws -> (violations: [Violation], links: [CausalLink]) {
        let subject = try EtcdSubject(configuration: .init(endpoints: ["http://127.0.0.1:2379"]))
        let violations = subject.evaluate(s).violations
        return (violations, subject.knowledge.causalLinks(among: violations, in: s))
    }

    @Test("one member down explains nothing else: it is its own root")
    func single() throws {
        var b = SnapshotBuilder()
        b.kill("e3")
        let (v, l) = try links(b.snapshot)
        #expect(v.keys == ["member-down@member:e3"])
        #expect(l.isEmpty)
    }

    @Test("two of three down: the first down explains quorum-lost, no-leader and the second member")
    func twoDown() throws {
        var b = SnapshotBuilder()
        b.kill("e3", since: b.snapshot.observedAt.addingTimeInterval(-5))
        b.kill("e2", since: b.snapshot.observedAt.addingTimeInterval(-1))
        b.leaderless(observations: 3)
        b.unhealthy("e1", observations: 3, noLeader: true)
        let (v, l) = try links(b.snapshot)
        #expect(v.keys == ["member-down@member:e2", "member-down@member:e3", "no-leader@cluster", "quorum-lost@cluster"])
        let first = l.first { $0.effect.invariant == "quorum-lost" }
        #expect(first?.cause == ViolationKey(invariant: "member-down", entity: "member:e3"), "e3 went down first")
        #expect(l.contains { $0.cause.entity == "member:e3" && $0.effect == ViolationKey(invariant: "member-down", entity: "member:e2") })
        #expect(l.first { $0.effect.invariant == "no-leader" }?.cause.entity == "member:e3")
        #expect(!l.contains { $0.effect.invariant == "member-down" && $0.effect.entity == "member:e3" }, "the root is nobody's effect")
    }

    @Test("a down leader explains leader churn and failing proposals")
    func leaderDown() throws {
        var b = SnapshotBuilder()
        b.kill("e1")
        b.leaderMoved(from: "e1", to: "e2")
        b.snapshot.observedLeaderChanges = 4
        for name in ["e2", "e3"] { b.metrics(name) { $0.proposalsFailedInWindow = 4 } }
        let (v, l) = try links(b.snapshot)
        #expect(v.keys == ["leader-changed@cluster", "leader-churn@cluster", "member-down@member:e1", "proposals-failing@cluster"])
        #expect(l.contains { $0.cause.entity == "member:e1" && $0.effect.invariant == "leader-changed" }, "the election it caused")
        #expect(l.contains { $0.cause.entity == "member:e1" && $0.effect.invariant == "leader-churn" })
        #expect(l.contains { $0.cause.entity == "member:e1" && $0.effect.invariant == "proposals-failing" })
    }
}
