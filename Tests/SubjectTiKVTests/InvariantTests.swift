import Foundation
import OperatorCore
import Testing

@testable import SubjectTiKV

private typealias B = SnapshotBuilder

@Suite("TiKV invariants")
struct InvariantTests {
    @Test("a healthy cluster violates nothing, and every invariant gives a verdict")
    func healthy() {
        let s = B.snapshot()
        #expect(B.violations(s).isEmpty)
        for inv in TiKVInvariants.all(.init()) { #expect(inv.unavailableReason(in: s) == nil, "\(inv.id)") }
    }

    @Test("ids are stable and unique")
    func ids() {
        let ids = TiKVInvariants.all(.init()).map(\.id)
        #expect(ids == [
            "store-down", "store-low-space", "latency-high", "replication-degraded", "pd-unhealthy", "leader-imbalance",
            "slow-store", "raft-lag", "cpu-high", "write-stall", "restart-loop", "store-isolated", "pd-leader-switching",
            "pending-peers", "region-count-high",
        ])
    }
}

@Suite("store-down")
struct StoreDownInvariantTests {
    @Test("Disconnected, Down, or an unreachable status endpoint; Offline stores are not down")
    func fires() throws {
        let s = B.snapshot(stores: [
            B.store(1), B.store(2, state: "Disconnected", reachable: false), B.store(3, state: "Down", reachable: nil),
            B.store(4, reachable: false), B.store(5, state: "Offline", reachable: false),
        ])
        let v = StoreDownInvariant().evaluate(s)
        #expect(v.map(\.entity) == ["store:2", "store:3", "store:4"])
        #expect(v[0].message.contains("Disconnected") && v[0].message.contains("does not answer"))
        #expect(v[2].message.contains("PD still reports it Up"))
        #expect(v[0].excerpt["state_name"] == "Disconnected")
        #expect(v.allSatisfy { $0.severity == .critical })
    }

    @Test("a store PD does not hear from whose status endpoint answers is not down: store-isolated fires instead")
    func aliveIsNotDown() throws {
        let s = B.snapshot(stores: [B.store(1), B.store(2, state: "Disconnected", reachable: true), B.store(3, state: "Down", reachable: true)])
        #expect(StoreDownInvariant().evaluate(s).isEmpty)
        let v = StoreIsolatedInvariant().evaluate(s)
        #expect(v.map(\.entity) == ["store:2", "store:3"])
        #expect(v[0].message.contains("PD reports it Disconnected") && v[0].message.contains("answers"), "\(v[0].message)")
    }

    @Test("no verdict without PD's store list")
    func unavailable() {
        var s = B.snapshot()
        s.storesError = "PD /pd/api/v1/stores at http://x failed: connection refused"
        #expect(StoreDownInvariant().unavailableReason(in: s)?.contains("connection refused") == true)
    }
}

@Suite("store-low-space")
struct StoreLowSpaceInvariantTests {
    @Test("below the ratio fires; far below is critical; metrics take precedence over PD")
    func fires() {
        var s = B.snapshot(stores: [B.store(1, availableRatio: 0.07), B.store(2, availableRatio: 0.03), B.store(3, availableRatio: 0.25)])
        let v = StoreLowSpaceInvariant(lowSpaceRatio: 0.2).evaluate(s)
        #expect(v.map(\.entity) == ["store:1", "store:2"])
        #expect(v[0].severity == .warning)
        #expect(v[1].severity == .critical)
        #expect(v[0].message.contains("7.0%"))
        // PD's figure is used when metrics are missing.
        s.stores[2].metrics = nil
        s.stores[2].availableBytes = 0.1 * (s.stores[2].capacityBytes ?? 0)
        #expect(StoreLowSpaceInvariant(lowSpaceRatio: 0.2).evaluate(s).map(\.entity).contains("store:3"))
        #expect(StoreLowSpaceInvariant(lowSpaceRatio: 0.05).evaluate(s).map(\.entity) == ["store:2"])
    }

    @Test("no verdict when no store reports space")
    func unavailable() {
        var s = B.snapshot()
        for i in s.stores.indices {
            s.stores[i].metrics = nil
            s.stores[i].capacityBytes = nil
        }
        #expect(StoreLowSpaceInvariant(lowSpaceRatio: 0.2).unavailableReason(in: s) != nil)
    }
}

@Suite("latency-high")
struct LatencyHighInvariantTests {
    @Test("p99 over the threshold fires, naming the store and the value")
    func fires() throws {
        let s = B.snapshot(stores: [B.store(1, p99: 0.9), B.store(2, p99: 0.2), B.store(3, p99: nil)])
        let v = LatencyHighInvariant(thresholdSeconds: 0.25).evaluate(s)
        #expect(v.map(\.entity) == ["store:1"])
        #expect(v[0].message.contains("900ms"))
        #expect(LatencyHighInvariant(thresholdSeconds: 0.1).evaluate(s).count == 2)
    }

    @Test("unavailable when metrics are down or no store has a p99")
    func unavailable() {
        var s = B.snapshot()
        s.metricsError = "cannot reach Prometheus"
        #expect(LatencyHighInvariant(thresholdSeconds: 0.25).unavailableReason(in: s) != nil)
        let idle = B.snapshot(stores: [B.store(1, p99: nil), B.store(2, p99: nil)])
        #expect(LatencyHighInvariant(thresholdSeconds: 0.25).unavailableReason(in: idle) != nil)
    }
}

@Suite("replication-degraded")
struct ReplicationDegradedInvariantTests {
    @Test("miss/down/pending/offline peers fire on the cluster; learner and empty regions do not")
    func fires() throws {
        let s = B.snapshot(regionCounts: [.missPeer: 5, .pendingPeer: 2, .learnerPeer: 9, .emptyRegion: 4])
        let v = ReplicationDegradedInvariant(minRegions: 1).evaluate(s)
        #expect(v.count == 1)
        #expect(v[0].entity == .cluster)
        #expect(v[0].severity == .critical)
        #expect(v[0].message.contains("5 miss-peer") && v[0].message.contains("2 pending-peer"))
        #expect(v[0].excerpt["counts"]?["learner-peer"] == nil)
        let learnersOnly = B.snapshot(regionCounts: [.learnerPeer: 9, .emptyRegion: 4, .extraPeer: 1])
        #expect(ReplicationDegradedInvariant(minRegions: 1).evaluate(learnersOnly).isEmpty)
        let pendingOnly = B.snapshot(regionCounts: [.pendingPeer: 3])
        #expect(ReplicationDegradedInvariant(minRegions: 1).evaluate(pendingOnly).first?.severity == .warning)
        #expect(ReplicationDegradedInvariant(minRegions: 10).evaluate(s).isEmpty)
    }

    @Test("no verdict without region counts")
    func unavailable() {
        var s = B.snapshot()
        s.regions = nil
        s.regionsError = "could not read the PD leader's /metrics"
        #expect(ReplicationDegradedInvariant(minRegions: 1).unavailableReason(in: s)?.contains("PD leader") == true)
    }
}

@Suite("pd-unhealthy")
struct PDUnhealthyInvariantTests {
    @Test("an unhealthy member fires on pd:<name>; no leader fires on the cluster")
    func fires() {
        let follower = PDUnhealthyInvariant().evaluate(B.snapshot(unhealthyPD: ["pd3"]))
        #expect(follower.map(\.entity) == ["pd:pd3"])
        let leaderless = PDUnhealthyInvariant().evaluate(B.snapshot(leader: nil, previousLeader: "pd1", unhealthyPD: ["pd1"]))
        #expect(Set(leaderless.map(\.entity)) == ["pd:pd1", .cluster])
        #expect(leaderless.first { $0.entity == "pd:pd1" }?.message.contains("was the PD leader") == true)
        #expect(leaderless.first { $0.entity == .cluster }?.message.contains("pd1") == true)
    }

    @Test("members failing with health answering: the leader path is broken")
    func membersFail() {
        var s = B.snapshot()
        s.pd.leader = nil
        s.pd.membersError = "PD /pd/api/v1/members failed: HTTP 500"
        #expect(PDUnhealthyInvariant().evaluate(s).map(\.entity) == [.cluster])
        s.pd.healthError = "also down"
        #expect(PDUnhealthyInvariant().unavailableReason(in: s) != nil)
    }
}

@Suite("leader-imbalance")
struct LeaderImbalanceInvariantTests {
    @Test("a serving store far from the mean fires on the cluster; down and TiFlash stores are left out")
    func fires() {
        let inv = LeaderImbalanceInvariant(ratio: 0.3, minMeanLeaders: 10)
        let s = B.snapshot(stores: [B.store(1, leaders: 40), B.store(2, leaders: 10), B.store(3, leaders: 10)])
        let v = inv.evaluate(s)
        #expect(v.map(\.entity) == [.cluster])
        #expect(v[0].excerpt["most_off_store"] == "store:1")
        var tiflash = B.store(4, leaders: 0)
        tiflash.isTiFlash = true
        let balanced = B.snapshot(stores: [
            B.store(1, leaders: 20), B.store(2, leaders: 21), B.store(3, state: "Disconnected", reachable: false, leaders: 0), tiflash,
        ])
        #expect(inv.evaluate(balanced).isEmpty)
        let small = B.snapshot(stores: [B.store(1, leaders: 4), B.store(2, leaders: 1)])
        #expect(inv.evaluate(small).isEmpty, "mean below the minimum")
    }
}

@Suite("slow-store")
struct SlowStoreInvariantTests {
    @Test("slow score at or above the threshold fires, citing disk latencies")
    func fires() {
        let s = B.snapshot(stores: [B.store(1, slowScore: 80, append: 0.4), B.store(2, slowScore: 79), B.store(3)])
        let v = SlowStoreInvariant(threshold: 80).evaluate(s)
        #expect(v.map(\.entity) == ["store:1"])
        #expect(v[0].message.contains("append p99 400ms"))
        #expect(v[0].excerpt["source"] == "pd slow_score")
    }

    @Test("the store's own metric is used when PD has no score")
    func metricFallback() {
        var store = B.store(1, slowScore: 95)
        store.pdSlowScore = nil
        let v = SlowStoreInvariant(threshold: 80).evaluate(B.snapshot(stores: [store, B.store(2)]))
        #expect(v.first?.excerpt["source"] == "tikv_raftstore_slow_score")
    }
}

@Suite("raft-lag")
struct RaftLagInvariantTests {
    @Test("log lag p99 over the threshold fires")
    func fires() {
        let s = B.snapshot(stores: [B.store(1, lag: 7200), B.store(2, lag: 4000), B.store(3)])
        #expect(RaftLagInvariant(thresholdEntries: 5000).evaluate(s).map(\.entity) == ["store:1"])
        #expect(RaftLagInvariant(thresholdEntries: 1000).evaluate(s).count == 2)
    }
}

@Suite("cpu-high")
struct CPUHighInvariantTests {
    @Test("CPU over the quota share fires; stores without a quota are skipped")
    func fires() {
        let s = B.snapshot(stores: [B.store(1, cpu: 3.6), B.store(2, cpu: 3.0), B.store(3, cpu: 3.9, cpuQuota: nil)])
        let v = CPUHighInvariant(quotaRatio: 0.8).evaluate(s)
        #expect(v.map(\.entity) == ["store:1"])
        #expect(v[0].message.contains("90.0%"))
    }
}

@Suite("write-stall")
struct WriteStallInvariantTests {
    @Test("a running store whose RocksDB stalls writes; not a down store, not a store without the series")
    func fires() throws {
        let s = B.snapshot(stores: [
            B.store(1), B.store(2, writeStall: 2.5, stallReason: "level0_file_limit_stop", busy: 40),
            B.store(3, state: "Disconnected", reachable: false), B.store(4, writeStall: nil),
        ])
        let v = WriteStallInvariant().evaluate(s)
        #expect(v.map(\.entity) == ["store:2"])
        let message = try #require(v.first?.message)
        #expect(message.contains("2.5s") && message.contains("level0_file_limit_stop") && message.contains("40 writes/s"), "\(message)")
        #expect(WriteStallInvariant().unavailableReason(in: s) == nil)
    }

    @Test("blind without the series: metrics from every serving store, none carrying tikv_engine_write_stall")
    func blind() {
        let s = B.snapshot(stores: [B.store(1, writeStall: nil), B.store(2, writeStall: nil)])
        #expect(WriteStallInvariant().evaluate(s).isEmpty)
        #expect(WriteStallInvariant().unavailableReason(in: s)?.contains("tikv_engine_write_stall") == true)
    }
}

@Suite("restart-loop")
struct RestartLoopInvariantTests {
    @Test("two or more restarts within the window, whatever PD's state now; one restart is not a loop")
    func fires() throws {
        let s = B.snapshot(stores: [
            B.store(1, restarts: 1), B.store(2, state: "Disconnected", reachable: false, restarts: 2), B.store(3, restarts: 5),
        ])
        let v = RestartLoopInvariant().evaluate(s)
        #expect(v.map(\.entity) == ["store:2", "store:3"])
        #expect(v.first?.message.contains("restarted 2 times within 10m; PD reports it Disconnected now") == true, "\(v.first?.message ?? "")")
        // Up for a whole window since its last start: the loop is over, the count is history.
        var settled = B.store(3, restarts: 5)
        settled.uptimeSeconds = 601
        #expect(RestartLoopInvariant().evaluate(B.snapshot(stores: [B.store(1), settled])).isEmpty)
        settled.uptimeSeconds = 120
        #expect(RestartLoopInvariant().evaluate(B.snapshot(stores: [B.store(1), settled])).count == 1)
    }

    @Test("the first observation has nothing to compare with: skipped with a reason, not healthy")
    func firstObservation() {
        let s = B.snapshot(stores: [B.store(1, restarts: nil), B.store(2, restarts: nil)])
        #expect(RestartLoopInvariant().evaluate(s).isEmpty)
        #expect(RestartLoopInvariant().unavailableReason(in: s)?.contains("first") == true)
    }
}

@Suite("pd-leader-switching")
struct PDLeaderSwitchingInvariantTests {
    @Test("two or more moves of PD's leadership within the window; one failover is not switching; no count before two observations")
    func fires() throws {
        let v = PDLeaderSwitchingInvariant().evaluate(B.snapshot(leader: "pd2", leaderMoves: ["pd3", "pd2"]))
        #expect(v.map(\.entity) == [.cluster])
        #expect(v.first?.message == "PD's leader moved 2 times within 10m (to pd3, pd2); leader now pd2", "\(v.first?.message ?? "")")
        #expect(PDLeaderSwitchingInvariant().evaluate(B.snapshot(leader: "pd2", leaderMoves: ["pd2"])).isEmpty)
        let first = B.snapshot(leaderMoves: nil)
        #expect(PDLeaderSwitchingInvariant().unavailableReason(in: first) != nil)
    }
}

@Suite("pending-peers")
struct PendingPeersInvariantTests {
    @Test("regions pending while a running store holds snapshots stuck applying; not without PD's pending count, not on a down store")
    func fires() throws {
        let s = B.snapshot(
            stores: [B.store(1), B.store(2, applying: 8), B.store(3, state: "Disconnected", reachable: true, applying: 2)],
            regionCounts: [.pendingPeer: 45])
        let v = PendingPeersInvariant().evaluate(s)
        #expect(v.map(\.entity) == ["store:2"])
        #expect(v.first?.message.contains("applying 8 snapshot(s) while PD lists 45 region(s) with a pending peer") == true)
        #expect(PendingPeersInvariant().evaluate(B.snapshot(stores: [B.store(1), B.store(2, applying: 8)])).isEmpty, "no pending regions")
        var blind = s
        blind.regions = nil
        #expect(PendingPeersInvariant().unavailableReason(in: blind) != nil)
    }
}

@Suite("region-count-high")
struct RegionCountHighInvariantTests {
    @Test("a running store above region_count_max fires, naming the others' median and raftstore against its pool; not at the limit, not on a down store")
    func fires() throws {
        let s = B.snapshot(stores: [
            B.store(1, regions: 9_000), B.store(2, regions: 24_500, raftstore: 1.8, proposeWait: 0.12), B.store(3, regions: 20_000),
            B.store(4, state: "Disconnected", regions: 30_000),
        ])
        let v = RegionCountHighInvariant(max: 20_000).evaluate(s)
        #expect(v.map(\.entity) == ["store:2"])
        let message = try #require(v.first?.message)
        #expect(message.contains("holds 24500 regions, above 20000"), "\(message)")
        #expect(message.contains("median is 20000"), "\(message)")
        #expect(message.contains("90.0% of its 2-thread pool"), "\(message)")
        #expect(message.contains("proposals wait 120ms at p99"), "\(message)")
        #expect(RegionCountHighInvariant(max: 30_000).evaluate(s).isEmpty, "the limit is the setting")
        #expect(RegionCountHighInvariant(max: 20_000).evaluate(B.snapshot()).isEmpty, "a healthy cluster")
    }

    @Test("PD's count comes first; the store's gauge when PD gives none; blind without PD's store list")
    func sources() throws {
        var store = B.store(2, regions: 60)
        store.regionCount = nil
        store.metrics?.regionCount = 21_000
        #expect(RegionCountHighInvariant(max: 20_000).evaluate(B.snapshot(stores: [B.store(1), store])).map(\.entity) == ["store:2"])
        var blind = B.snapshot()
        blind.storesError = "http://127.0.0.1:2379/pd/api/v1/stores: connection refused"
        #expect(RegionCountHighInvariant(max: 20_000).unavailableReason(in: blind) != nil)
    }
}
