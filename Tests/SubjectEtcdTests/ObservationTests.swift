import Foundation
import Hummingbird
import OperatorCore
import OperatorTestSupport
import Synchronization
import Testing

@testable import SubjectEtcd

@Suite("etcd observation over HTTP")
struct ObservationTests {
    /// One fake member serving the gateway; its member list names itself (e1) and a member at a dead port
    /// (e2), so the subject must probe each member on its own client URL.
    @Test("a member that refuses connections is observed as down, not as an observation failure")
    func refusedMemberIsDown() async throws {
        let deadPort = try closedLocalPort()
        let selfURL = Mutex("")
        let router = Router()
        router.post("/v3/cluster/member/list") { _, _ -> CannedResponse in
            let url = selfURL.withLock { $0 }
            return CannedResponse(
                body: #"""
                    {"header":{"cluster_id":"968716052297111514","raft_term":"2"},"members":[{"ID":"6969278951715654196","name":"e1","peerURLs":["http://127.0.0.1:2380"],"clientURLs":["\#(url)"]},{"ID":"119572451437286717","name":"e2","peerURLs":["http://127.0.0.1:22380"],"clientURLs":["http://127.0.0.1:\#(deadPort)"]}]}
                    """#)
        }
        router.post("/v3/maintenance/status") { _, _ in CannedResponse(body: GatewayFixtures.status) }
        router.get("/health") { _, _ in CannedResponse(body: GatewayFixtures.healthy) }
        router.get("/version") { _, _ in CannedResponse(body: GatewayFixtures.version) }
        router.get("/metrics") { _, _ in
            CannedResponse(
                contentType: "text/plain",
                body: etcdMetricsPage(leaderChanges: 1, proposalsFailed: 0, fsyncBuckets: Array(repeating: 3, count: 15), fsyncCount: 3))
        }
        try await withLocalHTTPServer(router) { url in
            selfURL.withLock { $0 = url }
            let subject = try EtcdSubject(
                configuration: SubjectConfiguration(
                    endpoints: ["http://127.0.0.1:\(deadPort)", url], settings: ["probe_timeout": "20s"], requestTimeout: .seconds(20)))
            let s = try await subject.observe()
            #expect(s.answeredBy == url)
            // All endpoints are asked at once and the first answer wins: the dead one is listed only if its
            // refusal came back before the answer did.
            #expect(s.endpointErrors.count <= 1)
            #expect(s.endpointErrors.allSatisfy { $0.contains("127.0.0.1:\(deadPort)") })
            #expect(s.members.map(\.name) == ["e1", "e2"])
            let e1 = try #require(s.member(named: "e1"))
            let e2 = try #require(s.member(named: "e2"))
            #expect(e1.reachable && e1.healthy == true && e1.metrics?.dbTotalSizeBytes == 20480)
            #expect(!e2.reachable && e2.unreachableReason == "connection refused")
            #expect(e2.downSince == s.observedAt)
            #expect(s.leader?.name == "e1" && s.leader?.term == 2)
            #expect(s.version?.server == "3.4.23")

            let evaluation = subject.evaluate(s)
            // Two voting members need both for a majority: with one down and the linearizable read refused
            // (this fake serves no /v3/kv/range), quorum is lost although e1 still calls itself the leader.
            #expect(Set(evaluation.violations.map(\.key)) == [
                ViolationKey(invariant: "member-down", entity: "member:e2"), ViolationKey(invariant: "quorum-lost", entity: .cluster),
            ])
            #expect(s.linearizableRead?.succeeded == false)
            #expect(evaluation.violations.first?.message.contains("127.0.0.1:\(deadPort)") == true)

            // Streaks carry over between observations.
            let again = try await subject.observe()
            #expect(again.member(named: "e2")?.downSince == s.observedAt)
            #expect(again.leader?.since == s.leader?.since)
            let clusterHex = try #require(EtcdMemberID(decimal: "968716052297111514")).hex
            #expect(again.statusLines().first == "cluster \(clusterHex): 2 member(s), quorum 2, 1 healthy, leader e1 (term 2)")
            #expect(again.statusLines().contains { $0.contains("e2 http://127.0.0.1:\(deadPort)  refused, down (connection refused)") })
        }
    }
}
