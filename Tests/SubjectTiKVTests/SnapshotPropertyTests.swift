import Foundation
import OperatorCore
import OperatorTestSupport
import Testing

@testable import SubjectTiKV

/// For any snapshot — generated with a seeded RNG, fields missing or at the extremes (NaN, ±infinity,
/// 1e20, Int.max, negative counts, heartbeats centuries away) — every TiKV invariant gives a verdict or a
/// reason, and nothing the program does with the snapshot (status lines, JSON, causal links, evidence,
/// offline rules) traps.
@Suite("TiKV: any snapshot gives a verdict or a reason")
struct SnapshotPropertyTests {
    struct Generator {
        var random: SeededRandom

        mutating func double() -> Double? {
            switch Int.random(in: 0..<6, using: &random) {
            case 0: return nil
            case 1, 2: return random.pick(ExtremeNumbers.doubles)
            default: return Double.random(in: -10..<1e6, using: &random)
            }
        }

        mutating func int() -> Int? {
            switch Int.random(in: 0..<5, using: &random) {
            case 0: return nil
            case 1: return random.pick([Int.max, Int.min, -1, 0, Int(Int32.max)])
            default: return Int.random(in: -3..<100_000, using: &random)
            }
        }

        mutating func metrics() -> StoreMetrics? {
            if random.chance(0.2) { return nil }
            var m = StoreMetrics()
            m.qps = double()
            m.qpsByType = random.chance(0.5) ? ["kv_get": double() ?? 0, "kv_prewrite": double() ?? .nan] : [:]
            m.p99LatencySeconds = double()
            m.grpcFailuresPerSecond = double()
            m.capacityBytes = double()
            m.availableBytes = double()
            m.usedBytes = double()
            m.cpuCores = double()
            m.cpuQuotaCores = double()
            m.raftstoreCPUCores = double()
            m.raftLogLagP99 = double()
            m.appendLogP99Seconds = double()
            m.commitLogP99Seconds = double()
            m.applyLogP99Seconds = double()
            m.leaderCount = double()
            m.regionCount = double()
            m.slowScore = double()
            m.windowSeconds = double()
            return m
        }

        mutating func store(_ id: UInt64) -> StoreView {
            var s = StoreView(
                id: id, stateName: random.pick(["Up", "Disconnected", "Down", "Offline", "Tombstone", "Preparing", ""]),
                nodeState: random.pick(["Serving", "Preparing", "Removing", "Removed", "?"]))
            s.address = random.chance(0.8) ? "10.0.0.\(id):20160" : nil
            s.statusAddress = random.chance(0.8) ? "10.0.0.\(id):20180" : nil
            s.isTiFlash = random.chance(0.1)
            s.capacityBytes = double()
            s.availableBytes = double()
            s.leaderCount = int()
            s.regionCount = int()
            s.leaderWeight = double()
            s.pdSlowScore = double()
            s.lastHeartbeat = double().map { Date(timeIntervalSince1970: $0.isFinite ? $0 : 1e300) }
            s.heartbeatAgeSeconds = double()
            s.uptimeSeconds = double()
            s.statusReachable = random.chance(0.2) ? nil : random.chance(0.7)
            s.statusError = random.chance(0.2) ? "connection refused" : nil
            s.metrics = metrics()
            s.metricsError = s.metrics == nil ? "no metrics" : nil
            return s
        }

        mutating func snapshot() -> TiKVSnapshot {
            var s = TiKVSnapshot(observedAt: Date(timeIntervalSince1970: 1_735_096_000), pdEndpoint: "http://pd0:2379")
            // Ids at the edges too: UInt64.max is a real PD id shape (ids are uint64).
            let ids: [UInt64] = [1, 2, 3, 4, 5, UInt64.max, 0]
            s.stores = (0..<Int.random(in: 0..<6, using: &random)).map { store(ids[$0 % ids.count]) }
            if random.chance(0.1) { s.stores += s.stores }  // the same store twice
            if random.chance(0.1) { s.storesError = "PD /stores failed" }
            let names = ["pd1", "pd2", "pd3"]
            s.pd.members = names.prefix(Int.random(in: 0...3, using: &random)).map {
                PDMemberView(name: $0, memberID: "1", clientURLs: ["http://\($0):2379"], healthy: random.chance(0.2) ? nil : random.chance(0.7), isLeader: false)
            }
            s.pd.leader = random.chance(0.7) ? random.pick(names + [""]) : nil
            s.pd.previousLeader = random.chance(0.3) ? random.pick(names) : nil
            if random.chance(0.1) { s.pd.membersError = "members failed" }
            if random.chance(0.1) { s.pd.healthError = "health failed" }
            if random.chance(0.8) {
                var counts: [String: Int] = [:]
                for check in PDRegionCheck.allCases where random.chance(0.6) { counts[check.rawValue] = int() ?? 0 }
                s.regions = RegionHealth(total: int(), counts: counts, source: "http://pd0:2379/metrics")
            } else {
                s.regionsError = "no pd_regions_status"
            }
            if random.chance(0.1) { s.metricsError = "Prometheus unreachable" }
            s.maxStoreDownTimeSeconds = double()
            s.maxReplicas = int()
            return s
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
            let s = generator.snapshot()
            let evaluation = await TiKVRobustness.exercise(s, "seed \(seed) snapshot \(i)")
            violations += evaluation.violations.count
            skipped += evaluation.skipped.count
        }
        // The generator must reach both outcomes, or the property is vacuous.
        #expect(violations > 50 && skipped > 50, "violations \(violations), skipped \(skipped)")
    }
}
