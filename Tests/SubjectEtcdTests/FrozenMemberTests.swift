import DeployLocal
import Foundation
import OperatorCore
import SubjectEtcd
import Testing

@Suite("etcd member frozen by SIGSTOP (process backend)", .serialized)
struct FrozenMemberTests {
    @Test(
        "stop (SIGSTOP) a follower: check reports member-unresponsive (not member-down) on it while the others serve; lift (SIGCONT) heals it",
        .enabled(if: RealEtcdCluster.installed, "etcd is not installed: apt-get install etcd-server"))
    func frozenFollower() async throws {
        let cluster = try RealEtcdCluster()
        defer { cluster.cleanup() }
        _ = try await cluster.deployment.up { _ in }
        let subject = try EtcdSubject(
            configuration: SubjectConfiguration(endpoints: cluster.endpoints, settings: ["probe_timeout": "2s"], requestTimeout: .seconds(2)))
        let before = try await subject.check()
        let leader = try #require(before.snapshot.leader?.name)
        let follower = try #require(cluster.plan.members.compactMap(\.entity.id).first { $0 != leader })
        let entity = Entity(kind: "member", id: follower)

        try await cluster.deployment.inject(DeploymentFault(kind: "stop", entity: entity))
        let frozen = try await cluster.deployment.status()
        #expect(frozen.members.first { $0.entity == entity }?.detail?.contains("frozen by SIGSTOP") == true)
        try await eventually("member-unresponsive on \(entity) while it is frozen") {
            try await subject.check().violations.contains { $0.invariant == "member-unresponsive" && $0.entity == entity }
        }
        // The process is alive, only frozen: it is not down, and neither is anyone else.
        let during = try await subject.check()
        #expect(during.violations.filter { $0.invariant == "member-unresponsive" }.map(\.entity) == [entity])
        #expect(!during.violations.contains { $0.invariant == "member-down" })

        try await cluster.deployment.lift(DeploymentFault(kind: "stop", entity: entity))
        try await eventually("\(entity) answers again after SIGCONT") {
            try await !subject.check().violations.contains { $0.invariant == "member-unresponsive" }
        }
        try await cluster.deployment.down(removeState: true)
    }
}
