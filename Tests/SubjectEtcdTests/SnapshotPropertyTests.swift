import Foundation
import OperatorCore
import OperatorTestSupport
import Testing

@testable import SubjectEtcd

/// For any snapshot — generated with a seeded RNG, fields missing or at the extremes (NaN, ±infinity,
/// 1e20, Int.max streaks, UInt64.max terms, negative sizes) — every etcd invariant gives a verdict or a
/// reason, and nothing the program does with the snapshot (status lines, JSON, causal links, evidence,
/// offline rules) traps.
@Suite("etcd: any snapshot gives a verdict or a reason")
struct SnapshotPropertyTests {
    struct Generator {
        var random: SeededRandom
        let at = Date(timeIntervalSince1970: 1_735_096_000)

        mutating func double() -> Double? {
            switch Int.random(in: 0..<6, using: &random) {
            case 0: return nil
            case 1, 2: return random.pick(ExtremeNumbers.doubles)
            default: return Double.random(in: -1..<1e4, using: &random)
            }
        }

        mutating func int() -> Int {
            random.chance(0.2) ? random.pick([Int.max, Int.min, -1, 0]) : Int.random(in: 0..<20, using: &random)
        }

        mutating func date() -> Date? {
            random.chance(0.5) ? nil : at.addingTimeInterval(random.chance(0.2) ? random.pick([-1e300, 1e300, -1e12]) : -Double.random(in: 0..<600, using: &random))
        }

        mutating func metrics() -> EtcdMemberMetrics? {
            if random.chance(0.2) { return nil }
            let ids = [GatewayFixtures.e1, GatewayFixtures.e2, GatewayFixtures.e3]
            return EtcdMemberMetrics(
                hasLeader: random.chance(0.2) ? nil : random.chance(0.7), isLeader: random.chance(0.3) ? nil : random.chance(0.3),
                proposalsPending: double(), proposalsCommittedTotal: double(), proposalsAppliedTotal: double(),
                dbTotalSizeBytes: double(), quotaBackendBytes: double(), windowSeconds: double(),
                leaderChangesInWindow: double(), proposalsFailedInWindow: double(), slowAppliesInWindow: double(),
                heartbeatSendFailuresInWindow: double(), walFsyncP99Seconds: double(), walFsyncsInWindow: double(),
                backendCommitP99Seconds: double(),
                peerRoundTripP99Seconds: Dictionary(ids.compactMap { id in double().map { (id, $0) } }, uniquingKeysWith: { a, _ in a }),
                activePeers: Dictionary(ids.compactMap { id in double().map { (id, $0) } }, uniquingKeysWith: { a, _ in a }))
        }

        mutating func member(_ i: Int) -> EtcdMemberState {
            let ids: [UInt64] = [0x60b7_da48_219e_4a34, 0x1a8_ce82_d4d7_953d, 0xd484_0de1_ab8e_89f9, UInt64.max, 1]
            let id = EtcdMemberID(ids[i % ids.count])
            let reachable = random.chance(0.7)
            var m = EtcdMemberState(
                id: id, name: random.chance(0.9) ? "e\(i + 1)" : "", clientURL: random.chance(0.9) ? "http://127.0.0.1:\(2379 + i)" : nil,
                isLearner: random.chance(0.1), reachable: reachable, unreachableReason: reachable ? nil : "connection refused",
                healthy: random.chance(0.2) ? nil : random.chance(0.7), consecutiveUnhealthy: int(), downSince: date())
            if random.chance(0.8) {
                m.status = EtcdMemberStatus(
                    version: "3.4.23", dbSizeBytes: random.chance(0.2) ? random.pick([Int64.max, Int64.min, -1]) : Int64.random(in: 0..<(1 << 33), using: &random),
                    dbSizeInUseBytes: random.chance(0.5) ? nil : Int64.random(in: 0..<(1 << 33), using: &random),
                    leader: random.chance(0.8) ? EtcdMemberID(random.pick(ids)) : nil,
                    raftTerm: random.chance(0.2) ? random.pick([UInt64.max, 0]) : UInt64.random(in: 1..<50, using: &random),
                    raftIndex: random.chance(0.2) ? UInt64.max : UInt64.random(in: 0..<1000, using: &random),
                    raftAppliedIndex: random.chance(0.2) ? 0 : UInt64.random(in: 0..<1000, using: &random),
                    errors: random.chance(0.2) ? [random.pick(["etcdserver: no leader", "NOSPACE", "memberID:1 alarm:NOSPACE"])] : [])
            } else {
                m.statusError = "status failed"
            }
            m.metrics = metrics()
            if m.metrics == nil { m.metricsError = "no metrics" }
            return m
        }

        mutating func snapshot() -> EtcdSnapshot {
            let members = (0..<Int.random(in: 0..<6, using: &random)).map { member($0) }
            let leaderID = members.isEmpty || random.chance(0.2) ? nil : random.pick(members).id
            return EtcdSnapshot(
                observedAt: at, endpoints: ["http://127.0.0.1:2379"], answeredBy: "http://127.0.0.1:2379",
                endpointErrors: random.chance(0.1) ? ["refused"] : [], members: members,
                leader: leaderID.map {
                    EtcdLeaderView(id: $0, name: nil, term: random.chance(0.2) ? UInt64.max : 2, reachable: random.chance(0.8), since: date())
                },
                previousLeader: random.chance(0.3)
                    ? EtcdLeaderView(id: EtcdMemberID(7), name: "gone", term: 1, reachable: false, since: date(), until: date()) : nil,
                leaderlessObservations: int(), observedLeaderChanges: int(), metricsSource: "scrape",
                metricsError: random.chance(0.1) ? "Prometheus unreachable" : nil,
                windowSeconds: random.chance(0.3) ? random.pick(ExtremeNumbers.doubles) : 300)
        }
    }

    @Test("1,500 generated snapshots", arguments: [UInt64(1), 2, 3])
    func generatedSnapshots(seed: UInt64) async {
        var generator = Generator(random: SeededRandom(seed: seed))
        var violations = 0
        var skipped = 0
        for i in 0..<500 {
            // Thousands of CPU-bound iterations: give the shared cooperative pool back each time, so suites
            // running beside this one (loopback servers answering within a deadline) are not starved.
            await Task.yield()
            let evaluation = await EtcdRobustness.exercise(generator.snapshot(), "seed \(seed) snapshot \(i)")
            violations += evaluation.violations.count
            skipped += evaluation.skipped.count
        }
        #expect(violations > 50 && skipped > 50, "violations \(violations), skipped \(skipped)")
    }
}
