import OperatorCore

/// The rules about the cluster as a whole: replicas PD does not repair, leaders piled on some stores.
extension TiKVRules {
    static let degradedRegionChecks = ["regions.miss_peer", "regions.down_peer", "regions.pending_peer", "regions.offline_peer"]

    static func degradedRegionEvidence(_ f: Facts) -> [Diagnosis.Evidence] {
        degradedRegionChecks.compactMap { f.clusterSignal($0).flatMap { ($0.number ?? 0) > 0 ? $0.asEvidence() : nil } }
    }

    // MARK: replication-degraded

    static func replicationDegraded(_ f: Facts) -> Hypothesis {
        let signals = degradedRegionChecks.map { f.clusterSignal($0) }
        let counts = zip(degradedRegionChecks, signals).map { ($0, $1?.number) }
        let total = counts.reduce(0) { $0 + ($1.1 ?? 0) }
        let text = counts.map { "\(fmt($0.1)) \($0.0.dropFirst("regions.".count).replacingOccurrences(of: "_", with: "-"))" }
            .joined(separator: ", ")
        let symptom = "regions lack healthy replicas"
        if counts.allSatisfy({ $0.1 == nil }) {
            return weak(TiKVCategory.replicationDegraded, .cluster, score: 0.05, symptom, against: [f.ticketClaim("no region health counts were gathered")])
        }
        let countsClaim = f.claim("PD reports \(text) regions", signals)
        guard total > 0 else {
            var claim = countsClaim
            claim.text += " (expected > 0)"
            return weak(TiKVCategory.replicationDegraded, .cluster, score: 0.05, symptom, against: [claim])
        }
        if let down = downStoreClaim(f, suffix: "which explains this for the regions that had a replica there") {
            return weak(TiKVCategory.replicationDegraded, .cluster, score: 0.3, "\(symptom) (\(text))", against: [down],
                supporting: degradedRegionEvidence(f))
        }
        if pdLeaderMissing(f) {
            return weak(TiKVCategory.replicationDegraded, .cluster, score: 0.3, "\(symptom) (\(text))",
                against: [f.claim("PD has no leader, so it cannot repair replicas; the control plane is the cause", [f.clusterSignal("pd.leader")])],
                supporting: degradedRegionEvidence(f))
        }
        let up = f.allStores
        return Hypothesis(
            category: TiKVCategory.replicationDegraded, entity: .cluster, score: f.rootIs("replication-degraded") ? 0.75 : 0.7,
            claims: [
                countsClaim,
                f.claim("every store is up, so PD is not repairing them", up.flatMap(\.stateSignals)),
            ],
            supporting: degradedRegionEvidence(f),
            actions: [
                .init(action: "List PD's operators and schedulers (pd-ctl operator show; pd-ctl scheduler show) and check replica-schedule-limit",
                    rationale: "replicas are repaired by PD's replica checker and operators", risk: "low"),
                .init(action: "Check for Offline stores being drained and for placement rules that cannot be satisfied (pd-ctl config placement-rules show)",
                    rationale: "unsatisfiable placement keeps regions short of replicas", risk: "low"),
            ])
    }

    // MARK: leader-imbalance

    static func leaderImbalance(_ f: Facts, _ t: TiKVThresholds) -> Hypothesis {
        let counts = f.allStores.filter { !$0.isDown && $0.state == "Up" }.compactMap { s in
            s.number("store.leader_count").map { (s, $0) }
        }
        let symptom = "leaders are unbalanced"
        guard counts.count >= 2 else {
            return weak(TiKVCategory.leaderImbalance, .cluster, score: 0.05, symptom,
                against: [f.claim("fewer than two serving stores report leader counts", counts.map { $0.0.signal("store.leader_count") })])
        }
        let mean = counts.reduce(0) { $0 + $1.1 } / Double(counts.count)
        let worst = counts.max { abs($0.1 - mean) < abs($1.1 - mean) }
        let deviation = mean > 0 ? abs((worst?.1 ?? mean) - mean) / mean : 0
        let listing = counts.map { "\($0.0.label) \(fmt($0.1))" }.joined(separator: ", ")
        let leaderSignals = counts.map { $0.0.signal("store.leader_count") }
        let supporting = leaderSignals.compactMap { $0?.asEvidence() }
        guard deviation > t.leaderImbalanceRatio, mean >= t.leaderImbalanceMinLeaders else {
            return weak(TiKVCategory.leaderImbalance, .cluster, score: 0.05, symptom,
                against: [f.claim(
                    "leaders are balanced: \(listing) (mean \(fmt(mean.rounded())); expected a store more than \(pct(t.leaderImbalanceRatio)) off)",
                    leaderSignals)])
        }
        if let down = downStoreClaim(f) {
            return weak(TiKVCategory.leaderImbalance, .cluster, score: 0.25, "\(symptom) (\(listing))", against: [down], supporting: supporting)
        }
        return Hypothesis(
            category: TiKVCategory.leaderImbalance, entity: .cluster, score: f.rootIs("leader-imbalance") ? 0.65 : 0.6,
            claims: [f.claim("leaders are unbalanced: \(listing) against a mean of \(fmt(mean.rounded()))", leaderSignals)],
            supporting: supporting,
            actions: [
                .init(action: "Check PD's balance-leader scheduler and leftover evict-leader schedulers (pd-ctl scheduler show) and store leader weights",
                    rationale: "PD balances leaders by score = count / weight", risk: "low"),
            ])
    }
}
