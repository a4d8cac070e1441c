import OperatorCore

/// slow-store: PD itself found the store slow (tikv-at-scale.md §3, §5 pattern 3): its slow score is at
/// PD's eviction threshold (100) and PD's evict-slow-store-scheduler has moved its leaders away, while the
/// store's own disk latencies do not show a slow disk (an I/O hang records few observations). When they do,
/// the disk is the better answer (slow-disk).
extension TiKVRules {
    /// PD's `slowStoreEvictThreshold`.
    static let slowStoreEvictScore = 100.0

    static func slowStore(_ f: Facts, _ t: TiKVThresholds) -> Hypothesis {
        let skeleton = StoreRuleSkeleton(
            category: TiKVCategory.slowStore, symptom: "PD finds a store slow and evicts its leaders", strongAbove: 0.4,
            evidence: ["store.slow_score", "store.leader_count", "store.region_count", "store.append_p99_seconds", "store.apply_p99_seconds"])
        return skeleton.hypothesis(
            f,
            noStore: { f.claim("no running store in the incident for PD to find slow", f.candidateStores.flatMap(\.stateSignals)) },
            score: { s in
                let score = s.signal("store.slow_score")
                let leaders = s.signal("store.leader_count")
                let regions = s.signal("store.region_count")
                let peerLeaders = f.peerMedian("store.leader_count", excluding: s.entity)
                let evicted = (leaders?.number ?? -1) == 0 && (regions?.number ?? 0) > 0 && (peerLeaders ?? 0) > 0
                let atThreshold = (score?.number ?? 0) >= slowStoreEvictScore
                let diskRatio = [f.ratioToPeers("store.append_p99_seconds", of: s, floor: 0.001),
                    f.ratioToPeers("store.apply_p99_seconds", of: s, floor: 0.001)].compactMap { $0 }.max()
                let diskElevated = (diskRatio ?? 0) >= 5
                var value = 0.05
                let slow = (score?.number ?? 0) >= t.slowScore
                if atThreshold && evicted { value = diskElevated ? 0.85 : 0.94 }
                // PD calls it slow and eviction follows at 100; the disk numbers do not name the disk.
                else if slow { value = diskElevated ? 0.5 : 0.75 }
                value *= f.relevance(of: s.entity)
                let text = "\(s.label) slow score \(fmt(score?.number)) (PD evicts at \(fmt(slowStoreEvictScore))); \(fmt(leaders?.number)) leaders of \(fmt(regions?.number)) regions vs peers' median \(fmt(peerLeaders)) leaders"
                return (value, f.claim(text, [score, leaders, regions] + f.peerSignals("store.leader_count", excluding: s.entity)))
            },
            strong: { best in
                let s = best.store
                let evicted = s.number("store.leader_count") == 0 && (s.number("store.slow_score") ?? 0) >= slowStoreEvictScore
                var claims = [
                    evicted
                        ? f.claim("PD finds \(s.label) slow: its slow score is at PD's eviction threshold and it holds no leaders",
                            [s.signal("store.slow_score"), s.signal("store.leader_count")])
                        : f.claim("PD finds \(s.label) slow (slow score at or above \(fmt(t.slowScore))); PD evicts its leaders once it reaches \(fmt(slowStoreEvictScore))",
                            [s.signal("store.slow_score")]),
                    best.why,
                ]
                if let append = s.signal("store.append_p99_seconds"), let apply = s.signal("store.apply_p99_seconds") {
                    claims.append(f.claim("its own append p99 \(secs(append.number)) and apply p99 \(secs(apply.number)) do not show a slow disk",
                        [append, apply]))
                }
                return .init(
                    claims: claims,
                    actions: [
                        .init(action: "Check \(s.label)'s host for hung I/O (iostat -x await, dmesg for blk or nvme timeouts, a stuck mount) and its raft inspections (tikv_raftstore_slow_score by type)",
                            rationale: "the slow score comes from raft inspections timing out; requests hang rather than finish slowly", risk: "low"),
                        .init(action: "Keep evict-slow-store-scheduler in place until the score is back at 1; leaders return after its recovery-duration (1800 s by default)",
                            rationale: "moving leaders back to a store that still hangs repeats the outage", risk: "low"),
                    ])
            },
            weakAgainst: { best, _ in [best.why] })
    }
}
