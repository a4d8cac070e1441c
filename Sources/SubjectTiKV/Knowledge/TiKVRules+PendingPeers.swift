import OperatorCore

/// pending-peers: regions stay pending-peer while one running store holds snapshots it never finishes
/// applying (tikv-at-scale.md §5 pattern 9). Every store is up, so this is not a down store's aftermath; PD
/// repairs nothing because the replica exists, it only cannot catch up.
extension TiKVRules {
    static func pendingPeers(_ f: Facts) -> Hypothesis {
        let pending = f.clusterSignal("regions.pending_peer")
        let skeleton = StoreRuleSkeleton(
            category: TiKVCategory.pendingPeers, symptom: "a store's peers do not catch up", strongAbove: 0.3,
            evidence: ["store.snapshots_applying", "store.state", "store.leader_count"])
        var h = skeleton.hypothesis(
            f,
            noStore: { f.claim("no running store in the incident to hold pending peers", f.candidateStores.flatMap(\.stateSignals)) },
            score: { s in
                let applying = s.signal("store.snapshots_applying")
                var value = 0.05
                if (pending?.number ?? 0) > 0, (applying?.number ?? 0) > 0, s.state == "Up" {
                    value = f.rootIs("pending-peers", on: s.entity) ? 0.9 : 0.88
                }
                value *= f.relevance(of: s.entity)
                let text = "\(s.label) applying \(fmt(applying?.number)) snapshot(s) while PD lists \(fmt(pending?.number)) pending-peer region(s)"
                return (value, f.claim(text, [applying, pending, s.signal("store.state")]))
            },
            strong: { best in
                let s = best.store
                var claims = [best.why]
                if let down = downStoreClaim(f, suffix: "which leaves peers pending too") {
                    claims.append(down)
                } else {
                    claims.append(f.claim("every store is up", f.allStores.flatMap(\.stateSignals)))
                }
                return .init(
                    claims: claims,
                    actions: [
                        .init(action: "Look at \(s.label)'s snapshot apply (tikv.log: \"begin to apply snapshot\" without \"apply snapshot with state ok\"; region worker and I/O on its data disk) and its pending peers (pd-ctl region check pending-peer)",
                            rationale: "a peer stays pending while the snapshot that would catch it up never finishes applying", risk: "low"),
                        .init(action: "If one region is stuck for long, remove and re-add its peer on \(s.label) (pd-ctl operator add remove-peer / add-peer)",
                            rationale: "a fresh peer gets a fresh snapshot", risk: "medium"),
                    ])
            },
            weakAgainst: { best, _ in [best.why] })
        if h.score > 0.3, downStoreClaim(f) != nil { h.score = min(h.score, 0.4) }
        return h
    }
}
