import OperatorCore

/// Rules about the cluster as a whole: quorum, leadership, the network between members, load.
enum EtcdClusterRules {
    typealias T = RuleText

    /// Quorum is lost when a linearizable read fails and either no member that answers leads, or fewer
    /// than a majority of the voting members answer at all (a leader cut off from its majority keeps its
    /// title until etcd's CheckQuorum steps it down, but cannot serve the read). Members failing `/health`
    /// for another reason (an alarm, a slow disk) under a leader that serves reads have not lost it.
    static func quorumLost(_ c: DiagnosisContext) -> Hypothesis {
        let leader = c.signal(named: "cluster.leader", on: .cluster)
        let read = c.signal(named: "cluster.linearizable_read", on: .cluster)
        let quorum = c.signal(named: "cluster.quorum", on: .cluster)
        let reach = c.signals(named: "member.reachability")
        let answering = reach.filter { $0.text == "answers" }
        let out = reach.filter { $0.text != "answers" }
        let hasLeader = leader?.text != nil
        let served = read?.text == "served"
        let minority = !reach.isEmpty && Double(answering.count) < (quorum?.number ?? 0)
        guard !served, let leader, !hasLeader || minority else {
            var against: [Claim] = []
            if let leader, let name = leader.text { against.append(leader.claim("\(name) leads")) }
            if let read, served { against.append(read.claim("linearizable reads are served")) }
            return T.hypothesis("quorum-lost", .cluster, score: 0.05, claims: [], against: against, absent: "the leader was not gathered")
        }
        var claims: [Claim] = []
        if let name = leader.text {
            claims.append(leader.claim("\(name) still calls itself the leader but cannot confirm it with a majority"))
        } else {
            claims.append(leader.claim("no member that answers leads"))
        }
        if let read { claims.append(read.claim(read.value == .null ? "no member answered a linearizable read" : "a linearizable read failed on every member that answered")) }
        if !out.isEmpty {
            claims.append(Claim.from(out, "not answering: \(out.map { "\(T.name($0.entity)) (\($0.displayValue))" }.joined(separator: ", "))"))
        }
        if let quorum, let q = quorum.number { claims.append(quorum.claim("a leader needs \(NumberText.integer(q)) votes")) }
        let names = out.map { T.name($0.entity) }
        return T.hypothesis(
            "quorum-lost", .cluster, score: T.score(0.95, c, ["quorum-lost", "no-leader"]), claims: claims,
            supporting: [leader, read].compactMap { $0?.asEvidence() } + out.map { $0.asEvidence() },
            actions: [
                .init(
                    action: "Bring the members that do not answer back (\(names.isEmpty ? "the members not serving" : names.joined(separator: ", "))) on their existing data directories",
                    rationale: "as soon as a majority runs again the members elect a leader by themselves", risk: "low"),
                .init(
                    action: "Only if their data is lost for good: restore from a snapshot or restart one member with --force-new-cluster",
                    rationale: "forcing a new cluster discards membership and can lose acknowledged writes", risk: "high"),
            ])
    }

    static func leaderChurn(_ c: DiagnosisContext, _ settings: EtcdSettings) -> Hypothesis {
        let window = DurationText.format(settings.window)
        guard let signal = c.signal(named: "cluster.leader_changes", on: .cluster), let changes = signal.number,
            changes > settings.leaderChangesMax
        else {
            let signal = c.signal(named: "cluster.leader_changes", on: .cluster)
            // Under the count, but the incident is a change of leader reached through campaigns.
            if let jump = termJump(c), T.incidentHas(c, ["leader-changed"]) {
                var claims = [jump]
                if let leader = c.signal(named: "cluster.leader", on: .cluster), let name = leader.text {
                    claims.append(leader.claim("\(name) leads now"))
                }
                return T.hypothesis("leader-churn", .cluster, score: 0.5, claims: claims)
            }
            return T.hypothesis(
                "leader-churn", .cluster, score: 0.1, claims: [],
                against: signal.map {
                    [T.atMost($0, settings.leaderChangesMax, "\(NumberText.integer($0.number ?? 0)) leader change(s) in \(window) (\($0.source)), at most \(NumberText.integer(settings.leaderChangesMax)) expected")]
                } ?? [],
                absent: "leader changes were not gathered")
        }
        var claims = [T.atLeast(signal, settings.leaderChangesMax, "\(NumberText.integer(changes)) leader changes in \(window), more than \(NumberText.integer(settings.leaderChangesMax))")]
        if let leader = c.signal(named: "cluster.leader", on: .cluster) {
            claims.append(leader.claim(leader.text.map { "\($0) leads now" } ?? "no member that answers leads now"))
        }
        // Elections after timeouts, not hand-overs: the previous leader is not there, healthy.
        var score = T.score(0.7, c, ["leader-churn"])
        if let previous = c.signal(named: "cluster.previous_leader_state", on: .cluster), previous.text == "healthy" {
            score = min(score, 0.45)
        }
        return T.hypothesis(
            "leader-churn", .cluster, score: score, claims: claims,
            supporting: [signal.asEvidence()] + (c.signal(named: "cluster.leader", on: .cluster).map { [$0.asEvidence()] } ?? []),
            actions: [
                .init(
                    action: "Compare --heartbeat-interval and --election-timeout with the peer round trip and fsync latency",
                    rationale: "an election timeout too close to real latencies makes followers campaign needlessly", risk: "low")
            ])
    }

    /// A hand-over (`etcdctl move-leader`, a leader stepping down): the previous leader still answers and is
    /// healthy, and another member that answers leads now. A one-shot diagnosis observes afresh and has not
    /// seen the change; the incident's `leader-changed` ticket recorded it, with the previous leader's state.
    static func leaderTransfer(_ c: DiagnosisContext) -> Hypothesis {
        let previous = c.signal(named: "cluster.previous_leader", on: .cluster)
        let leader = c.signal(named: "cluster.leader", on: .cluster)
        let state = c.signal(named: "cluster.previous_leader_state", on: .cluster)
        let ticket = c.tickets.first { $0.invariant == "leader-changed" }
        let actions: [Diagnosis.RecommendedAction] = [
            .init(
                action: "Nothing to repair; if the transfer was not planned, look for who ran `etcdctl move-leader` or a member restarting with a leadership hand-over",
                rationale: "a transfer costs one short election and no data", risk: "low")
        ]
        // etcd's own words for a hand-over, when its logs were read (`log_files`).
        let logged = c.evidence.logEvents.first { $0.kind.hasPrefix("leader-transfer-") }
        let loggedClaim = logged.flatMap { e in
            e.id.map { id in
                Claim(
                    "etcd logged a leadership transfer (\(e.kind)\(e.entity.map { " on \($0.id ?? $0.description)" } ?? ""))",
                    evidence: [id], facts: [Fact(evidence: id, equals: .string(e.kind))])
            }
        }
        // Members coming back or cut off campaign, so a change beside them is an election after a fault, not a
        // hand-over. A member that is down or frozen cannot campaign: beside a previous leader that stayed
        // healthy it is a separate fault, and the move a transfer.
        let troubled = c.signals(named: "member.state").filter { ["recovering", "no-leader"].contains($0.text ?? "") }
        let jump = termJump(c)
        func weighed(_ h: Hypothesis) -> Hypothesis {
            var against: [Claim] = []
            if !troubled.isEmpty {
                against.append(
                    Claim.from(
                        troubled, "members are out or coming back (\(troubled.map { "\(T.name($0.entity)) \($0.displayValue)" }.joined(separator: ", "))): an election after a fault, not a hand-over"))
            }
            if let jump { against.append(jump) }
            guard !against.isEmpty else { return h }
            var h = h
            h.score = min(h.score, 0.3)
            h.againstClaims = against
            h.against = against.map(\.text).joined(separator: "; ")
            return h
        }
        if let previous, let from = previous.text, let leader, let to = leader.text, from != to, let state, state.text == "healthy" {
            let claims = [
                previous.claim("\(from) led before"), leader.claim("\(to) leads now"),
                state.claim("\(from) still answers and is healthy, so leadership was handed over (a transfer such as `etcdctl move-leader`), not lost"),
            ] + [loggedClaim].compactMap { $0 }
            return weighed(
                T.hypothesis(
                    "leader-transfer", .cluster, score: T.score(0.75, c, ["leader-changed"]), claims: claims,
                    supporting: [previous.asEvidence(), leader.asEvidence(), state.asEvidence()], actions: actions))
        }
        if let ticket, let id = ticket.id, let from = ticket.excerpt["previous_leader"]?.stringValue,
            let to = ticket.excerpt["leader"]?.stringValue, let then = ticket.excerpt["previous_leader_state"]?.stringValue
        {
            let cite = { (text: String) in Claim(text, evidence: ["t\(id)"], facts: [Fact(evidence: "t\(id)", equals: .string("leader-changed"))]) }
            guard then == "healthy" else {
                return T.hypothesis(
                    "leader-transfer", .cluster, score: 0.05, claims: [],
                    against: [cite("\(from) was \(then) when leadership moved to \(to) (ticket #\(id)): leadership was lost, not handed over")])
            }
            var claims = [cite("leadership moved from \(from) to \(to) while \(from) answered, healthy (ticket #\(id)): a hand-over such as `etcdctl move-leader`, not a loss")]
            if let loggedClaim { claims.append(loggedClaim) }
            if let leader, let now = leader.text { claims.append(leader.claim("\(now) leads now")) }
            return weighed(T.hypothesis("leader-transfer", .cluster, score: T.score(0.7, c, ["leader-changed"]), claims: claims, actions: actions))
        }
        var against: [Claim] = []
        if let state, let s = state.text, s != "healthy" {
            against.append(state.claim("the previous leader is \(s) now: leadership was lost, not handed over"))
        } else if let leader, leader.value == .null {
            against.append(leader.claim("no member that answers leads"))
        }
        return T.hypothesis(
            "leader-transfer", .cluster, score: 0.05, claims: [], against: against,
            absent: "this observation saw no change of leader, and the incident has no leader-changed ticket")
    }

    /// "the raft term went from 2 to 51": a hand-over raises the term by one; more means campaigns (a
    /// cut-off member disrupting the cluster on its return, elections after timeouts). From the signals,
    /// else from the incident's `leader-changed` ticket.
    static func termJump(_ c: DiagnosisContext) -> Claim? {
        if let term = c.signal(named: "cluster.raft_term", on: .cluster), let now = term.number,
            let before = c.signal(named: "cluster.previous_leader_term", on: .cluster), let then = before.number
        {
            guard now - then > 1 else { return nil }
            return Claim.from(
                [before, term], "the raft term went from \(NumberText.integer(then)) to \(NumberText.integer(now)): elections, not a single hand-over")
        }
        guard let ticket = c.tickets.first(where: { $0.invariant == "leader-changed" }), let id = ticket.id,
            let now = ticket.excerpt["term"]?.doubleValue, let then = ticket.excerpt["previous_term"]?.doubleValue, now - then > 1
        else { return nil }
        return Claim(
            "the raft term went from \(NumberText.integer(then)) to \(NumberText.integer(now)) (ticket #\(id)): elections, not a single hand-over",
            evidence: ["t\(id)"], facts: [Fact(evidence: "t\(id)", equals: .string("leader-changed"))])
    }

    /// Peer streams down between members that both answer clients: the network between them, not a process.
    static func networkPartition(_ c: DiagnosisContext) -> Hypothesis {
        let answering = Set(T.members(c, "member.reachability", equal: "answers").compactMap { $0.entity.map(T.name) })
        var cited: [Signal] = []
        var pairs: [String] = []
        for s in c.signals(named: "member.inactive_peers") {
            guard let from = s.entity.map(T.name), answering.contains(from) else { continue }
            let lost = (s.value.arrayValue ?? []).compactMap(\.stringValue).filter { answering.contains($0) }
            if !lost.isEmpty {
                cited.append(s)
                pairs += lost.map { "\(from)→\($0)" }
            }
        }
        guard !cited.isEmpty else {
            // Healed since (a later observation sees every stream up): the ticket recorded the cut-off member.
            if let ticket = c.tickets.first(where: { $0.invariant == "member-unhealthy" && $0.excerpt["state"] == .string("no-leader") }),
                let id = ticket.id
            {
                let claim = Claim(
                    "\(T.name(ticket.entity)) answered clients but saw no leader while the others followed one: it was cut off from them (ticket #\(id))",
                    evidence: ["t\(id)"], facts: [Fact(evidence: "t\(id)", equals: .string("member-unhealthy"))])
                return T.hypothesis("network-partition", ticket.entity, score: 0.75, claims: [claim])
            }
            if let cutOff = failingWhileOthersFollow(c) { return cutOff }
            return T.hypothesis(
                "network-partition", c.incident.rootEntity, score: 0.03, claims: [],
                absent: "no lost peer stream between members that answer clients")
        }
        // The member most others lost is the one cut off.
        var lostCount: [String: Int] = [:]
        for pair in pairs { if let to = pair.split(separator: "→").last { lostCount[String(to), default: 0] += 1 } }
        let isolated = lostCount.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key
        let entity = isolated.map { Entity(kind: "member", id: $0) } ?? c.incident.rootEntity
        let reach = c.signals(named: "member.reachability").filter { $0.text == "answers" }
        var claims = [Claim.from(cited, "peer streams are down between members that answer clients: \(pairs.joined(separator: ", "))")]
        if let both = T.listing(reach, "those members answer clients") { claims.append(both) }
        return T.hypothesis(
            "network-partition", entity, score: T.score(0.8, c, ["member-unhealthy", "proposals-failing", "leader-churn", "leader-changed", "no-leader"]),
            claims: claims, supporting: cited.map { $0.asEvidence() },
            actions: [
                .init(
                    action: "Check the network path between \(isolated ?? "the members") and the others' peer URLs (firewall rules, routes, tc qdisc, network namespaces)",
                    rationale: "raft needs every peer stream; a member cut off from the others cannot vote or follow", risk: "low")
            ])
    }

    /// Before etcd marks its peers inactive (rafthttp takes seconds when packets are dropped, not refused) and
    /// before the cut-off member gives up on its leader (an election timeout), a partition shows as one member
    /// that still answers clients while its `/health` fails and its proposals fail, and another member leads.
    /// Weaker than lost peer streams (a disk stall looks alike, but a measured slow disk is `slow-disk`, not
    /// `failing`), so it scores below the rules that see the disk or the streams.
    static func failingWhileOthersFollow(_ c: DiagnosisContext) -> Hypothesis? {
        guard let leader = c.signal(named: "cluster.leader", on: .cluster), let leaderName = leader.text else { return nil }
        for ticket in c.tickets where ticket.invariant == "member-unhealthy" && ticket.excerpt["state"] == .string("failing") {
            let entity = ticket.entity
            guard let id = ticket.id, T.name(entity) != leaderName,
                let reach = c.signal(named: "member.reachability", on: entity), reach.text == "answers",
                let failed = c.signal(named: "member.proposals_failed", on: entity), (failed.number ?? 0) > 0
            else { continue }
            let claims = [
                Claim(
                    "\(T.name(entity)) answers clients but fails /health (ticket #\(id))",
                    evidence: ["t\(id)"], facts: [Fact(evidence: "t\(id)", equals: .string("member-unhealthy"))]),
                Claim.from([reach, failed], "its own proposals fail (\(NumberText.integer(failed.number ?? 0)) in the window)"),
                leader.claim("while \(leaderName) leads the others"),
            ]
            return T.hypothesis("network-partition", entity, score: 0.55, claims: claims, supporting: [failed.asEvidence()])
        }
        return nil
    }

    static func networkLag(_ c: DiagnosisContext, _ settings: EtcdSettings) -> Hypothesis {
        guard let rtt = T.worst(c, "member.peer_rtt_p99_seconds"), let value = rtt.number else {
            return T.hypothesis("network-lag", c.incident.rootEntity, score: 0.02, claims: [], absent: "no peer round-trip data")
        }
        guard value > settings.peerRoundTripP99Seconds else {
            return T.hypothesis(
                "network-lag", c.incident.rootEntity, score: 0.05, claims: [],
                against: [
                    T.atMost(rtt, settings.peerRoundTripP99Seconds, "peer round trip p99 is at most \(T.seconds(value)) (\(T.name(rtt.entity))), under \(T.seconds(settings.peerRoundTripP99Seconds))")
                ])
        }
        let entity = rtt.entity ?? c.incident.rootEntity
        return T.hypothesis(
            "network-lag", entity, score: T.score(0.65, c, ["leader-churn", "proposals-failing", "member-unhealthy"]),
            claims: [
                T.atLeast(rtt, settings.peerRoundTripP99Seconds, "peer round trip p99 from \(T.name(entity)) is \(T.seconds(value)), over \(T.seconds(settings.peerRoundTripP99Seconds))")
            ],
            supporting: [rtt.asEvidence()],
            actions: [
                .init(
                    action: "Check the network path between the members' peer URLs (packet loss, MTU, a saturated link)",
                    rationale: "raft needs peer round trips well under the heartbeat interval", risk: "low")
            ])
    }

    static func overload(_ c: DiagnosisContext, _ settings: EtcdSettings) -> Hypothesis {
        let pending = T.worst(c, "member.proposals_pending")
        let failed = c.signal(named: "cluster.proposals_failed", on: .cluster)
        let leader = c.signal(named: "cluster.leader", on: .cluster)
        let hasLeader = leader?.text != nil
        let busy = (pending?.number ?? 0) > settings.proposalsPendingMax
        let failing = (failed?.number ?? 0) > settings.proposalsFailedMax && hasLeader
        // Failures while members are out or recovering are their after-effect, not load.
        // So are failures on a follower that fails its health checks (cut off, stalled): its own proposals fail,
        // not the leader's.
        let outOrRecovering = c.signals(named: "member.state").filter { s in
            if ["unresponsive", "down", "recovering", "alarm"].contains(s.text ?? "") { return true }
            guard ["failing", "no-leader"].contains(s.text ?? ""), let e = s.entity, T.name(e) != leader?.text else { return false }
            return (c.signal(named: "member.proposals_failed", on: e)?.number ?? 0) > 0
        }
        guard busy || failing else {
            var against: [Claim] = []
            if let pending {
                against.append(T.atMost(pending, settings.proposalsPendingMax, "proposals pending at most \(NumberText.integer(pending.number ?? 0)) (\(T.name(pending.entity))), under \(NumberText.integer(settings.proposalsPendingMax))"))
            }
            if let failed, let n = failed.number, n <= settings.proposalsFailedMax {
                against.append(T.atMost(failed, settings.proposalsFailedMax, "\(NumberText.integer(n)) proposals failed in the window"))
            }
            if let leader, !hasLeader { against.append(leader.claim("there is no leader to overload")) }
            return T.hypothesis("overload", c.incident.rootEntity, score: pending == nil && failed == nil ? 0.02 : 0.05, claims: [], against: against)
        }
        let entity = busy ? pending?.entity ?? c.incident.rootEntity : leader?.text.map { Entity(kind: "member", id: $0) } ?? c.incident.rootEntity
        var claims: [Claim] = []
        if busy, let pending {
            // "the leader" only when the leader signal says this member leads.
            let isLeader = pending.entity.flatMap { c.signal(named: "member.is_leader", on: $0) }
            var text = "\(T.name(pending.entity)) has \(NumberText.integer(pending.number ?? 0)) proposals pending (more than \(NumberText.integer(settings.proposalsPendingMax)))"
            if let isLeader, isLeader.value == .bool(true) {
                text += "; it is the leader"
                claims.append(Claim.from([pending, isLeader], text))
            } else {
                claims.append(pending.claim(text))
            }
        }
        if failing, let failed, let leader {
            claims.append(T.atLeast(failed, settings.proposalsFailedMax, "\(NumberText.integer(failed.number ?? 0)) proposals failed in the window"))
            claims.append(leader.claim("while \(leader.text ?? "a member") leads"))
        }
        var h = T.hypothesis(
            "overload", entity, score: T.score(0.6, c, ["proposals-failing"]), claims: claims,
            supporting: [pending?.asEvidence(), failed?.asEvidence()].compactMap { $0 },
            actions: [
                .init(
                    action: "Find the heaviest clients (etcd_server_client_requests_total, large range or watch requests) and rate-limit them",
                    rationale: "etcd serves one leader's worth of writes; more clients do not add capacity", risk: "low")
            ])
        if !outOrRecovering.isEmpty {
            h.score = 0.2
            let against = Claim.from(outOrRecovering, "members are out or recovering (\(outOrRecovering.map { "\(T.name($0.entity)) \($0.displayValue)" }.joined(separator: ", "))): failures are their after-effect")
            h.againstClaims = [against]
            h.against = against.text
        }
        return h
    }
}
