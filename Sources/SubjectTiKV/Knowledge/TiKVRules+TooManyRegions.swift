import OperatorCore

/// too-many-regions: one running store holds more regions than TiDB's inspection rule allows (20000), so
/// raftstore spends its pool ticking and heartbeating them and requests wait (tikv-at-scale.md §5 pattern
/// 12). The CPU and latency it causes on that store are its symptoms, not an overload from clients.
extension TiKVRules {
    static func tooManyRegions(_ f: Facts, _ t: TiKVThresholds) -> Hypothesis {
        let skeleton = StoreRuleSkeleton(
            category: TiKVCategory.tooManyRegions, symptom: "a store holds too many regions", strongAbove: 0.4,
            evidence: ["store.region_count", "store.raftstore_cpu", "store.propose_wait_p99_seconds", "store.cpu_quota_ratio", "store.p99_seconds"])
        return skeleton.hypothesis(
            f,
            noStore: { f.claim("no running store in the incident to hold too many regions", f.candidateStores.flatMap(\.stateSignals)) },
            score: { s in
                let regions = s.signal("store.region_count")
                let peers = f.peerMedian("store.region_count", excluding: s.entity)
                var value = 0.05
                if (regions?.number ?? 0) > t.regionCountMax, s.state == "Up" {
                    value = f.rootIs("region-count-high", on: s.entity) ? 0.92 : 0.88
                }
                value *= f.relevance(of: s.entity)
                let text = "\(s.label) holds \(fmt(regions?.number)) regions (above \(fmt(t.regionCountMax)) when too many) vs peers' median \(fmt(peers))"
                return (value, f.claim(text, [regions] + f.peerSignals("store.region_count", excluding: s.entity)))
            },
            strong: { best in
                let s = best.store
                var claims = [best.why]
                if let raftstore = s.signal("store.raftstore_cpu"), let cores = raftstore.number {
                    let pool = RegionCountHighInvariant.defaultRaftstorePoolSize
                    claims.append(f.claim(
                        "raftstore on \(s.label) uses \(fmt(cores)) cores, \(pct(cores / pool)) of a \(fmt(pool))-thread pool (the inspection rule flags above 80 %)",
                        [raftstore]))
                }
                if let wait = s.signal("store.propose_wait_p99_seconds"), let seconds = wait.number {
                    claims.append(f.claim("proposals on \(s.label) wait \(secs(seconds)) at p99 for raftstore", [wait]))
                }
                claims.append(f.claim("\(s.label) is up", [s.signal("store.state")]))
                return .init(
                    claims: claims,
                    actions: [
                        .init(action: "Turn on hibernate regions on \(s.label) (raftstore.hibernate-regions = true) so idle regions stop ticking",
                            rationale: "every region is a raft group raftstore ticks and heartbeats; idle ones need not", risk: "low"),
                        .init(action: "Let PD merge small regions: check max-merge-region-size / max-merge-region-keys and merge-schedule-limit (pd-ctl config show), and that split-merge-interval has passed",
                            rationale: "a split storm leaves many small regions that merging folds back", risk: "low"),
                        .init(action: "If the regions are real data, scale out: add TiKV stores so PD spreads the regions",
                            rationale: "fewer regions per store keeps raftstore within its pool", risk: "medium"),
                    ])
            },
            weakAgainst: { best, _ in [best.why] })
    }
}
