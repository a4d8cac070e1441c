import OperatorCore

/// pd-leader-switch: PD's leadership keeps moving between members that all answer (tikv-at-scale.md §5
/// pattern 6): a leader that cannot keep its lease (slow disk under etcd, network, overload), not a dead one.
extension TiKVRules {
    static let pdSwitchMoves = 2.0

    static func pdLeaderSwitch(_ f: Facts) -> Hypothesis {
        let symptom = "PD's leadership keeps moving"
        guard let moves = f.clusterSignal("pd.recent_leader_changes"), let count = moves.number else {
            return weak(TiKVCategory.pdLeaderSwitch, .cluster, score: 0.05, symptom,
                against: [f.ticketClaim("no count of PD leader moves was gathered (it needs two observations)")])
        }
        let countClaim = moves.claim("PD's leadership moved \(fmt(count)) times within \(DurationText.format(seconds: TiKVSnapshot.restartWindowSeconds))")
        guard count >= pdSwitchMoves else {
            var claim = countClaim
            claim.text += " (switching is \(fmt(pdSwitchMoves)) or more)"
            return weak(TiKVCategory.pdLeaderSwitch, .cluster, score: 0.05, symptom, against: [claim])
        }
        let members = f.context.signals(named: "pd.member_healthy")
        let unhealthy = pdUnhealthySignals(f)
        var claims = [countClaim]
        if let leader = f.clusterSignal("pd.leader") {
            claims.append(leader.claim(leader.text.map { "\($0) leads now" } ?? "no member leads at this moment"))
        }
        var against: [Claim] = []
        var score = f.rootIs("pd-leader-switching") ? 0.96 : 0.95
        if unhealthy.isEmpty, !members.isEmpty {
            claims.append(f.claim("all \(members.count) members pass PD's health check", members))
        } else if !unhealthy.isEmpty {
            // A member that is down explains one move; the moves may be its failover.
            score = 0.6
            against.append(f.claim("unhealthy: \(unhealthy.compactMap(\.entity).map(\.description).joined(separator: ", "))", unhealthy))
        }
        return Hypothesis(
            category: TiKVCategory.pdLeaderSwitch, entity: .cluster, score: score, claims: claims,
            supporting: ([moves, f.clusterSignal("pd.leader")].compactMap { $0 } + members).map { $0.asEvidence() },
            againstClaims: against,
            actions: [
                .init(action: "Read the PD leaders' logs around each move (\"no longer a leader because lease has expired\", \"start to campaign PD leader\") and check the leader's disk fsync latency (etcd_disk_wal_fsync_duration_seconds) and network",
                    rationale: "a leader loses its lease when it cannot write to its etcd or reach its peers in time", risk: "low"),
                .init(action: "If one member is the common factor, move leadership away from it (pd-ctl member leader_priority <name> 0) until its host is fixed",
                    rationale: "keeps the leader on members that can hold the lease", risk: "medium"),
            ])
    }
}
