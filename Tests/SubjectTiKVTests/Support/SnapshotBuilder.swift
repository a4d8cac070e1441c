import Foundation
import OperatorCore

@testable import SubjectTiKV

/// Builds snapshots of a healthy 3-store, 3-PD cluster that tests then break in one place.
enum SnapshotBuilder {
    static func store(
        _ id: UInt64, state: String = "Up", reachable: Bool? = true, availableRatio: Double = 0.6, qps: Double? = 300,
        p99: Double? = 0.008, cpu: Double? = 0.6, cpuQuota: Double? = 4, slowScore: Double? = 1, lag: Double? = 3,
        append: Double? = 0.0008, commit: Double? = 0.002, apply: Double? = 0.0006, leaders: Int = 20, regions: Int = 60,
        writeStall: Double? = 0, stallReason: String? = nil, busy: Double? = 0, restarts: Int? = 0, applying: Double? = 0,
        raftstore: Double? = nil, proposeWait: Double? = nil
    ) -> StoreView {
        var s = StoreView(id: id, stateName: state, nodeState: "Serving")
        s.address = "127.0.0.1:2016\(id)"
        s.statusAddress = "127.0.0.1:2018\(id)"
        s.capacityBytes = 100 * 1_073_741_824
        s.availableBytes = availableRatio * 100 * 1_073_741_824
        s.leaderCount = leaders
        s.regionCount = regions
        s.leaderWeight = 1
        s.pdSlowScore = slowScore
        s.heartbeatAgeSeconds = state == "Up" ? 4 : 60
        s.statusReachable = reachable
        s.recentRestarts = restarts
        if reachable == false { s.statusError = "http://127.0.0.1:2018\(id)/status: connection refused" }
        if reachable != false {
            var m = StoreMetrics()
            m.qps = qps
            m.p99LatencySeconds = p99
            m.capacityBytes = s.capacityBytes
            m.availableBytes = s.availableBytes
            m.cpuCores = cpu
            m.cpuQuotaCores = cpuQuota
            m.slowScore = slowScore
            m.raftLogLagP99 = lag
            m.appendLogP99Seconds = append
            m.commitLogP99Seconds = commit
            m.applyLogP99Seconds = apply
            m.leaderCount = Double(leaders)
            m.regionCount = Double(regions)
            m.writeStallP99Seconds = writeStall
            m.writeStallReason = stallReason
            m.schedulerBusyPerSecond = busy
            m.snapshotsApplying = applying
            m.raftstoreCPUCores = raftstore
            m.proposeWaitP99Seconds = proposeWait
            m.windowSeconds = 60
            s.metrics = m
        } else {
            s.metricsError = "cannot scrape http://127.0.0.1:2018\(id)/metrics: connection refused"
        }
        return s
    }

    static func snapshot(
        stores: [StoreView]? = nil, leader: String? = "pd1", previousLeader: String? = nil,
        unhealthyPD: Set<String> = [], regionCounts: [PDRegionCheck: Int] = [:], leaderMoves: [String]? = []
    ) -> TiKVSnapshot {
        let members = ["pd1", "pd2", "pd3"].enumerated().map { i, name in
            PDMemberView(
                name: name, memberID: String(15_980_934_438_217_023_866 - UInt64(i)),
                clientURLs: ["http://127.0.0.1:\(2379 + i * 10000)"], healthy: !unhealthyPD.contains(name),
                isLeader: name == leader)
        }
        var counts: [String: Int] = [:]
        for check in PDRegionCheck.allCases { counts[check.rawValue] = regionCounts[check] ?? 0 }
        var pd = PDView(members: members, leader: leader, previousLeader: previousLeader)
        pd.recentLeaderChanges = leaderMoves?.count
        pd.recentLeaders = leaderMoves
        return TiKVSnapshot(
            observedAt: Date(timeIntervalSince1970: 1_795_417_505), pdEndpoint: "http://127.0.0.1:2379",
            clusterID: "7637715636087433014",
            pd: pd,
            stores: stores ?? [store(1), store(2), store(3)],
            regions: RegionHealth(total: 180, counts: counts, source: "http://127.0.0.1:2379/metrics"),
            metricsSource: "prometheus", maxStoreDownTimeSeconds: 1800, maxReplicas: 3)
    }

    static func violations(_ snapshot: TiKVSnapshot, _ thresholds: TiKVThresholds = .init()) -> [Violation] {
        TiKVInvariants.all(thresholds).flatMap { inv in inv.unavailableReason(in: snapshot) == nil ? inv.evaluate(snapshot) : [] }
    }

    static func keys(_ snapshot: TiKVSnapshot, _ thresholds: TiKVThresholds = .init()) -> Set<String> {
        Set(violations(snapshot, thresholds).map { "\($0.invariant)@\($0.entity)" })
    }
}
