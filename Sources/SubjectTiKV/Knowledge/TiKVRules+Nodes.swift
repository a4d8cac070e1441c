import OperatorCore

/// The rules about whole processes: a store that is down, PD that lost its leader or a member.
extension TiKVRules {
    // MARK: node-down

    static func nodeDown(_ f: Facts) -> Hypothesis {
        let pdOutage = pdLeaderMissing(f) || pdUnhealthyMembers(f).contains { wasLeader(f, $0) }
        let downs = f.candidateStores.filter(\.isDown)
        guard let s = downs.first else {
            let shown = Array(f.candidateStores.prefix(4))
            let states = shown.map { "\($0.label) \($0.state ?? "?")" + ($0.reachable == true ? " and answering" : "") }
            let claim = states.isEmpty
                ? f.ticketClaim("no store state was gathered")
                : f.claim("no store is down: " + states.joined(separator: ", ") + " (expected Disconnected/Down or unreachable)",
                    shown.flatMap(\.stateSignals))
            return weak(TiKVCategory.nodeDown, fallbackEntity(f), score: 0.05, "a store process or host is down", against: [claim])
        }
        var score = f.rootIs("store-down", on: s.entity) ? 0.95 : 0.85
        var against: [Claim] = f.relevanceClaim(of: s.entity).map { [$0] } ?? []
        let heartbeat = s.signal("store.heartbeat_age_seconds")
        var claims = [
            f.claim("\(s.label) is down: PD reports it \(s.state ?? "?")"
                + (heartbeat?.number.map { " (last heartbeat \(secs($0)) ago)" } ?? ""), [s.signal("store.state"), heartbeat])
        ]
        if s.reachable == false { claims.append(f.claim("its status endpoint does not answer", [s.signal("store.status_reachable")])) }
        if s.reachable == true {
            // Alive but unheard: a PD outage or a network partition between the store and PD.
            score = pdOutage ? 0.35 : 0.6
            claims.append(f.claim("yet its status endpoint still answers", [s.signal("store.status_reachable")]))
            against = [
                pdOutage
                    ? f.claim("\(s.label) status endpoint still answers; PD lost its heartbeats because PD itself lost its leader",
                        [s.signal("store.status_reachable"), f.clusterSignal("pd.leader")] + pdUnhealthySignals(f))
                    : f.claim("\(s.label) status endpoint still answers, so the process is alive; PD does not hear from it",
                        [s.signal("store.status_reachable"), s.signal("store.state")])
            ]
        }
        // Down now, but it keeps coming back by itself: a restart loop, not a node that stays down.
        if let restarts = s.signal("store.recent_restarts"), (restarts.number ?? 0) >= loopRestarts {
            score = min(score, 0.5)
            against.append(restarts.claim("\(s.label) started again \(fmt(restarts.number)) times recently: it is in a restart loop, not down for good"))
        }
        score *= f.relevance(of: s.entity)
        return Hypothesis(
            category: TiKVCategory.nodeDown, entity: s.entity, score: score, claims: claims,
            supporting: f.evidence(s, ["store.state", "store.status_reachable", "store.heartbeat_age_seconds"])
                + degradedRegionEvidence(f),
            againstClaims: against,
            actions: [
                .init(action: "Check the tikv-server process and host behind \(s.label) (process list, container state, dmesg for OOM kills, disk and network) and restart it",
                    rationale: "a store that comes back within max-store-down-time (30m by default) rejoins without re-replication", risk: "low"),
                .init(action: "Watch PD's region health (pd-ctl region check miss-peer / down-peer) until the counts return to 0",
                    rationale: "regions with a replica on the store stay under-replicated until it returns or PD replaces it", risk: "low"),
                .init(action: "Only if the store is lost for good: pd-ctl store delete \(s.entity.id ?? "<id>") so PD re-replicates its regions elsewhere",
                    rationale: "moves data at full scheduling speed; irreversible for that store", risk: "high"),
            ])
    }

    // MARK: control-plane-down

    static func controlPlaneDown(_ f: Facts) -> Hypothesis {
        let unhealthySignals = pdUnhealthySignals(f)
        let unhealthy = unhealthySignals.compactMap(\.entity)
        let leaderMissing = pdLeaderMissing(f)
        let leaderSignal = f.clusterSignal("pd.leader")
        let support = ([leaderSignal, f.clusterSignal("pd.previous_leader")].compactMap { $0 } + unhealthySignals).map { $0.asEvidence() }
        let actions: [Diagnosis.RecommendedAction] = [
            .init(action: "Check the PD member's process and host, then restart it", rationale: "PD members rejoin their cluster by themselves", risk: "low"),
            .init(action: "Confirm a PD leader is elected (pd-ctl member leader show, or GET /pd/api/v1/leader) and that a majority of PD members is up",
                rationale: "without a leader PD allocates no timestamps and schedules nothing", risk: "low"),
        ]
        func health(_ member: Entity) -> Signal? { unhealthySignals.first { $0.entity == member } }
        if let formerLeader = unhealthy.first(where: { wasLeader(f, $0) }) {
            let name = formerLeader.id ?? "?"
            var claims = [f.claim("PD member \(name) was the PD leader and is down", [health(formerLeader)] + leaderSignals(f, naming: formerLeader))]
            if leaderMissing {
                claims.append(f.claim("no leader is elected yet", [leaderSignal]))
            } else if let now = leaderSignal?.text, now != name {
                claims.append(f.claim("\(now) leads now", [leaderSignal]))
            }
            return Hypothesis(
                category: TiKVCategory.controlPlaneDown, entity: formerLeader, score: 0.95, claims: claims, supporting: support, actions: actions)
        }
        if leaderMissing {
            let entity = unhealthy.first ?? .cluster
            var claims = [f.claim("PD has no leader", [leaderSignal])]
            if !unhealthy.isEmpty {
                claims.append(f.claim("unhealthy: \(unhealthy.map(\.description).joined(separator: ", "))", unhealthySignals))
            }
            // Every member answers and the leadership keeps moving: a gap between two leaders, not an outage.
            if unhealthy.isEmpty, let moves = f.clusterSignal("pd.recent_leader_changes"), (moves.number ?? 0) >= pdSwitchMoves {
                return weak(TiKVCategory.controlPlaneDown, entity, score: 0.5, "PD lost its leader or a member",
                    against: claims + [moves.claim("the leadership moved \(fmt(moves.number)) times recently while every member answers: a gap between leaders")])
            }
            return Hypothesis(
                category: TiKVCategory.controlPlaneDown, entity: entity, score: 0.93, claims: claims, supporting: support, actions: actions)
        }
        if let member = unhealthy.first {
            let score = f.rootIs("pd-unhealthy") ? 0.75 : 0.6
            return Hypothesis(
                category: TiKVCategory.controlPlaneDown, entity: member, score: score,
                claims: [
                    f.claim("PD member \(member.id ?? "?") fails PD's health check", [health(member)]),
                    f.claim("PD leader \(leaderSignal?.text ?? "?") still serves", [leaderSignal]),
                ],
                supporting: support, actions: actions)
        }
        let memberSignals = f.context.signals(named: "pd.member_healthy")
        let against = leaderSignal == nil && memberSignals.isEmpty
            ? f.ticketClaim("no PD health evidence was gathered")
            : f.claim("PD leader \(leaderSignal?.text ?? "?") is elected and all \(memberSignals.count) members pass the health check",
                [leaderSignal] + memberSignals)
        return weak(TiKVCategory.controlPlaneDown, .cluster, score: 0.05, "PD lost its leader or a member", against: [against])
    }
}
