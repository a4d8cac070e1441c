import Foundation
import OperatorCore
import OperatorTestSupport
import PrometheusClient
import Testing

@testable import SubjectEtcd

/// Thousands of deterministic mutations of the etcd v3 gateway bodies (member list, status, health, error)
/// and of a member's `/metrics` page, through the decoders the client uses and, when they decode, into a
/// snapshot that every invariant, the status lines, causal links, evidence and the offline rules take.
@Suite("etcd: mutated gateway bodies and metrics pages")
struct MutatedInputTests {
    static let statusBodies = [GatewayFixtures.status, GatewayFixtures.statusNoLeader]

    /// A three-member snapshot as `EtcdSubject.observe` builds it from these bodies.
    static func snapshot(list: EtcdMemberListResponse, status: EtcdStatusResponse?, health: EtcdHealthResponse?, metrics: EtcdMemberMetrics?)
        -> EtcdSnapshot
    {
        let members = list.members.map { m in
            var state = EtcdMemberState(
                id: m.id, name: m.name, clientURL: m.clientURLs.first, peerURLs: m.peerURLs, isLearner: m.isLearner,
                reachable: true, healthy: health?.healthy)
            state.status = status.map { EtcdMemberStatus($0) }
            state.metrics = metrics
            return state
        }
        return EtcdSnapshot(
            observedAt: Date(timeIntervalSince1970: 1_735_096_000), endpoints: ["http://127.0.0.1:2379"],
            answeredBy: "http://127.0.0.1:2379", clusterID: list.header?.clusterID, members: members,
            leader: EtcdSubject.reportedLeader(members))
    }

    @Test("6,000 mutated gateway bodies: decoded or rejected naming the field, never a trap")
    func mutatedGatewayBodies() async throws {
        let list = try EtcdGatewayDecoder.memberList(Data(GatewayFixtures.memberList.utf8))
        let status = try EtcdGatewayDecoder.status(Data(GatewayFixtures.status.utf8))
        let health = try EtcdGatewayDecoder.health(Data(GatewayFixtures.healthy.utf8))
        var mutator = JSONMutator(seed: 12)
        var decoded = 0
        var rejected = 0
        for iteration in 0..<6000 {
            // Thousands of CPU-bound iterations: give the shared cooperative pool back each time, so suites
            // running beside this one (loopback servers answering within a deadline) are not starved.
            await Task.yield()
            var s: EtcdSnapshot?
            do throws(EtcdGatewayError) {
                switch iteration % 4 {
                case 0:
                    let mutated = try EtcdGatewayDecoder.memberList(Data(mutator.mutate(GatewayFixtures.memberList).utf8))
                    s = Self.snapshot(list: mutated, status: status, health: health, metrics: nil)
                case 1:
                    let body = mutator.mutate(Self.statusBodies[iteration / 4 % 2])
                    s = Self.snapshot(list: list, status: try EtcdGatewayDecoder.status(Data(body.utf8)), health: health, metrics: nil)
                case 2:
                    let body = mutator.mutate(iteration % 8 == 2 ? GatewayFixtures.healthy : GatewayFixtures.unhealthy)
                    let h = try EtcdGatewayDecoder.health(Data(body.utf8), httpStatus: 503)
                    s = Self.snapshot(list: list, status: status, health: h, metrics: nil)
                default:
                    _ = EtcdGatewayDecoder.errorMessage(Data(mutator.mutate(GatewayFixtures.leaderChanged).utf8))
                }
            } catch {
                rejected += 1
                guard case .malformed(let field, let problem, _) = error.kind else {
                    Issue.record("a body problem is .malformed: \(error)")
                    continue
                }
                #expect(!field.isEmpty && !problem.isEmpty, "\(error)")
            }
            if let s {
                decoded += 1
                if decoded % 6 == 0 { await EtcdRobustness.exercise(s, "gateway body #\(iteration)") }
            }
        }
        #expect(decoded > 300, "decoded \(decoded)")
        #expect(rejected > 600, "rejected \(rejected)")
    }

    @Test("2,000 mutated /metrics pages: values kept are real quantities, the rest named as malformed")
    func mutatedMetricsPages() async throws {
        let list = try EtcdGatewayDecoder.memberList(Data(GatewayFixtures.memberList.utf8))
        let status = try EtcdGatewayDecoder.status(Data(GatewayFixtures.status.utf8))
        let base = etcdMetricsPage(leaderChanges: 1, proposalsFailed: 0, fsyncBuckets: Array(repeating: 3, count: 15), fsyncCount: 3)
        let later = etcdMetricsPage(leaderChanges: 4, proposalsFailed: 2, fsyncBuckets: Array(repeating: 9, count: 15), fsyncCount: 9)
        var mutator = MetricsPageMutator(seed: 1220)
        var malformedSeen = 0
        let start = Date(timeIntervalSince1970: 1_735_096_000)
        for iteration in 0..<2000 {
            // Thousands of CPU-bound iterations: give the shared cooperative pool back each time, so suites
            // running beside this one (loopback servers answering within a deadline) are not starved.
            await Task.yield()
            let first = EtcdMetricsSample(page: ExpositionParser.parse(mutator.mutate(base)), at: start)
            let second = EtcdMetricsSample(page: ExpositionParser.parse(mutator.mutate(later)), at: start.addingTimeInterval(15))
            malformedSeen += first.malformed.count + second.malformed.count
            for problem in first.malformed + second.malformed { #expect(problem.hasPrefix("etcd_"), "\(problem)") }
            for value in [second.dbTotalSize, second.quotaBackendBytes, second.proposalsPending, second.leaderChanges] {
                if let value { #expect(value.isFinite && value >= 0) }
            }
            let metrics = ScrapedMetricsSource.metrics(from: [first, second])
            let s = Self.snapshot(list: list, status: status, health: nil, metrics: metrics)
            if iteration % 4 == 0 { await EtcdRobustness.exercise(s, "metrics page #\(iteration)") }
        }
        #expect(malformedSeen > 200, "the mutations reach the values read (\(malformedSeen))")
    }
}
