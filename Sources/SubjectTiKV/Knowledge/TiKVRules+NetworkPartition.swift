import OperatorCore

/// network-partition: PD does not hear from a store whose process answers (tikv-at-scale.md §5 pattern 10),
/// while PD itself has a leader and is healthy, so PD is not the reason. The store's own metrics say it runs;
/// what is broken is the path between it and the cluster.
extension TiKVRules {
    static func networkPartition(_ f: Facts) -> Hypothesis {
        let symptom = "a live store is cut off from PD and its peers"
        let pdOutage = pdLeaderMissing(f) || pdUnhealthyMembers(f).contains { wasLeader(f, $0) }
        let unheard = f.candidateStores.filter { ($0.state == "Disconnected" || $0.state == "Down") }
        guard let s = unheard.first(where: { $0.reachable == true }) else {
            let shown = Array(f.candidateStores.prefix(4))
            let states = shown.map { "\($0.label) \($0.state ?? "?")" + ($0.reachable == false ? ", status endpoint refused" : "") }
            let claim = states.isEmpty
                ? f.ticketClaim("no store state was gathered")
                : f.claim("no store is unheard by PD while answering: " + states.joined(separator: "; "), shown.flatMap(\.stateSignals))
            return weak(TiKVCategory.networkPartition, fallbackEntity(f), score: 0.05, symptom, against: [claim])
        }
        let state = s.signal("store.state")
        let reachable = s.signal("store.status_reachable")
        let heartbeat = s.signal("store.heartbeat_age_seconds")
        let leader = f.clusterSignal("pd.leader")
        var claims = [
            f.claim("PD reports \(s.label) \(s.state ?? "?")" + (heartbeat?.number.map { " (last heartbeat \(secs($0)) ago)" } ?? ""),
                [state, heartbeat]),
            f.claim("yet its status endpoint answers, so its process runs", [reachable]),
        ]
        if pdOutage {
            return weak(TiKVCategory.networkPartition, s.entity, score: 0.3, symptom,
                against: claims + [f.claim("PD itself lost its leader, which explains the missing heartbeats",
                    [leader] + pdUnhealthySignals(f))])
        }
        if let name = leader?.text {
            claims.append(f.claim("PD leader \(name) is elected and serves the other stores", [leader]))
        }
        let score = (f.rootIs("store-isolated", on: s.entity) ? 0.92 : 0.9) * f.relevance(of: s.entity)
        return Hypothesis(
            category: TiKVCategory.networkPartition, entity: s.entity, score: score, claims: claims,
            supporting: f.evidence(s, ["store.state", "store.status_reachable", "store.heartbeat_age_seconds", "store.qps"])
                + [leader?.asEvidence()].compactMap { $0 },
            againstClaims: f.relevanceClaim(of: s.entity).map { [$0] } ?? [],
            actions: [
                .init(action: "Test the network from \(s.label)'s host to PD's client port and to the other stores' gRPC ports (nc -vz, mtr); check firewalls, security groups and NIC errors",
                    rationale: "the process runs, so the path between it and the cluster is what fails", risk: "low"),
                .init(action: "Do not restart or delete \(s.label): once the network heals it rejoins and catches up by itself",
                    rationale: "its data is intact; a store delete would re-replicate everything it holds", risk: "low"),
            ])
    }
}
