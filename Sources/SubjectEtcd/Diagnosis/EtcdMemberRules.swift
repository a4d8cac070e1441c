import OperatorCore

/// Rules about one member: down, frozen, removed, its database full, its disk slow.
enum EtcdMemberRules {
    typealias T = RuleText

    static func nodeDown(_ c: DiagnosisContext) -> Hypothesis {
        let reach = c.signals(named: "member.reachability")
        // Contexts stored before reachability had states carry only `member.reachable` (false: refused or
        // timed out); read them as they were meant then.
        if reach.isEmpty, let legacy = legacyNodeDown(c) { return legacy }
        let down = reach.filter { $0.text == "refused" || $0.text == "not-started" }
        let root = c.incident.rootEntity
        // Restarted since: the incident's ticket records the outage, the state says it is back.
        if down.isEmpty, let ticket = c.tickets.first(where: { $0.invariant == "member-down" && $0.entity == root }), let id = ticket.id {
            var claims = [
                Claim(
                    "\(T.name(root)) refused connections on its client URL: its process was not running (ticket #\(id))", evidence: ["t\(id)"],
                    facts: [Fact(evidence: "t\(id)", equals: .string("member-down"))])
            ]
            if let state = c.signal(named: "member.state", on: root), state.text == "recovering" {
                claims.append(state.claim("\(T.name(root)) answers again and is recovering"))
            }
            claims += leadership(c, root, lost: "went down")
            return T.hypothesis("node-down", root, score: 0.9, claims: claims, supporting: leadershipEvidence(c, root), actions: downActions(root))
        }
        guard !down.isEmpty else {
            return T.hypothesis(
                "node-down", c.incident.rootEntity, score: 0.05, claims: [],
                against: [T.listing(reach, "no member refuses connections")].compactMap { $0 },
                absent: "no member reachability was gathered")
        }
        let target = down.first { $0.entity == root } ?? down[0]
        let entity = target.entity ?? root
        var claims = [target.claim("\(T.name(entity)) refuses connections on its client URL: its process is not running")]
        let others = down.filter { $0.entity != entity }
        if !others.isEmpty { claims.append(Claim.from(others, "also down: \(others.map { T.name($0.entity) }.joined(separator: ", "))")) }
        claims += leadership(c, entity, lost: "went down")
        return T.hypothesis(
            "node-down", entity, score: T.score(0.9, c, ["member-down"], on: entity), claims: claims,
            supporting: down.map { $0.asEvidence(note: "connection refused") } + leadershipEvidence(c, entity),
            actions: downActions(entity))
    }

    static func downActions(_ entity: Entity) -> [Diagnosis.RecommendedAction] {
        [
            .init(
                action: "Check the etcd process of \(T.name(entity)) (its log, `systemctl status etcd` or `operator deploy status`) and start it again",
                rationale: "a member that restarts on its data directory rejoins and catches up from the leader", risk: "low"),
            .init(
                action: "If its host or disk is gone, replace it: `etcdctl member remove <id>` then `etcdctl member add` a new one",
                rationale: "a permanently lost member keeps counting against quorum until removed", risk: "medium"),
        ]
    }

    /// node-down over a stored context that has `member.reachable` and no `member.reachability`.
    static func legacyNodeDown(_ c: DiagnosisContext) -> Hypothesis? {
        let down = c.signals(named: "member.reachable").filter { $0.value == .bool(false) }
        guard !down.isEmpty else { return nil }
        let root = c.incident.rootEntity
        let target = down.first { $0.entity == root } ?? down[0]
        let entity = target.entity ?? root
        var claims = [target.claim("\(T.name(entity)) did not answer on its client URL")]
        claims += leadership(c, entity, lost: "went down")
        return T.hypothesis(
            "node-down", entity, score: T.score(0.9, c, ["member-down"], on: entity), claims: claims,
            supporting: down.map { $0.asEvidence(note: "refused or timed out") } + leadershipEvidence(c, entity))
    }

    static func nodeUnresponsive(_ c: DiagnosisContext) -> Hypothesis {
        let silent = c.signals(named: "member.reachability").filter { $0.text == "silent" }
        let root = c.incident.rootEntity
        // Once it is resumed the member answers again; the incident's ticket still records the freeze.
        let recordedID = c.tickets.first { $0.invariant == "member-unresponsive" && $0.entity == root }?.id.map { "#\($0)" } ?? ""
        let recorded = T.ticketClaim(
            c, "member-unresponsive", on: root,
            "\(T.name(root)) accepted connections but answered nothing within the probe budget (ticket \(recordedID))")
        guard !silent.isEmpty || recorded != nil else {
            return T.hypothesis(
                "node-unresponsive", root, score: 0.05, claims: [],
                against: [T.listing(c.signals(named: "member.reachability"), "no member is silent")].compactMap { $0 },
                absent: "no member reachability was gathered")
        }
        let target = silent.first { $0.entity == root } ?? silent.first
        let entity = target?.entity ?? root
        var claims: [Claim] = []
        if let target {
            claims.append(target.claim("\(T.name(entity)) accepts connections but answers nothing within the probe budget: the process is frozen or hung, not stopped"))
        } else if let recorded {
            claims.append(recorded)
            if let state = c.signal(named: "member.state", on: entity), state.text == "recovering" {
                claims.append(state.claim("\(T.name(entity)) answers again and is recovering"))
            }
        }
        claims += leadership(c, entity, lost: "froze")
        return T.hypothesis(
            "node-unresponsive", entity, score: T.score(0.92, c, ["member-unresponsive"], on: entity), claims: claims,
            supporting: silent.map { $0.asEvidence(note: "no answer within the probe budget") } + leadershipEvidence(c, entity),
            actions: [
                .init(
                    action: "Find out why the etcd process of \(T.name(entity)) stopped serving: `ps -o stat,pid,cmd` (state T = stopped by a signal, D = waiting on disk), its log, dmesg",
                    rationale: "a frozen member holds its sockets open, so clients time out instead of failing over", risk: "low"),
                .init(
                    action: "If it stays frozen, restart it (SIGCONT a stopped process; otherwise restart the service)",
                    rationale: "a restarted member rejoins from its data directory", risk: "low"),
            ])
    }

    static func memberRemoved(_ c: DiagnosisContext) -> Hypothesis {
        let removed = c.signals(named: "member.removed").filter { $0.value == .bool(true) }
        // A one-shot diagnosis observes afresh and never saw the member listed; the ticket did.
        if removed.isEmpty, let ticket = c.tickets.first(where: { $0.invariant == "member-removed" }), let id = ticket.id {
            var claims = [
                Claim(
                    "\(T.name(ticket.entity)) left the member list: it was removed from the cluster (ticket #\(id))", evidence: ["t\(id)"],
                    facts: [Fact(evidence: "t\(id)", equals: .string("member-removed"))])
            ]
            if let voting = c.signal(named: "cluster.voting_members", on: .cluster), let n = voting.number {
                claims.append(voting.claim("the cluster has \(NumberText.integer(n)) voting member(s) now"))
            }
            return T.hypothesis("member-removed", ticket.entity, score: 0.9, claims: claims, actions: removalActions)
        }
        guard !removed.isEmpty else {
            let list = c.signal(named: "cluster.removed_members", on: .cluster)
            return T.hypothesis(
                "member-removed", c.incident.rootEntity, score: 0.02, claims: [],
                against: [list?.claim("no member left the member list")].compactMap { $0 }, absent: "membership changes were not gathered")
        }
        let root = c.incident.rootEntity
        let target = removed.first { $0.entity == root } ?? removed[0]
        let entity = target.entity ?? root
        var claims = [target.claim("\(T.name(entity)) is gone from the member list: it was removed from the cluster")]
        if let voting = c.signal(named: "cluster.voting_members", on: .cluster), let n = voting.number {
            claims.append(voting.claim("the cluster has \(NumberText.integer(n)) voting member(s) now"))
        }
        claims += leadership(c, entity, lost: "was removed")
        return T.hypothesis(
            "member-removed", entity, score: T.score(0.9, c, ["member-removed"], on: entity), claims: claims,
            supporting: removed.map { $0.asEvidence() }, actions: removalActions)
    }

    private static let removalActions: [Diagnosis.RecommendedAction] = [
        .init(
            action: "Confirm the removal was intended (`etcdctl member list`); if not, add a member back with `etcdctl member add` and start it on an empty data directory",
            rationale: "a smaller cluster tolerates fewer failures", risk: "medium")
    ]

    static func dbQuota(_ c: DiagnosisContext, _ settings: EtcdSettings) -> Hypothesis {
        let alarm = c.signals(named: "member.alarm").first { $0.text == "NOSPACE" }
        if let alarm {
            let entity = alarm.entity ?? c.incident.rootEntity
            var claims = [alarm.claim("\(T.name(entity)) raised the NOSPACE alarm: its database reached its backend quota, and the cluster refuses writes while the alarm lasts")]
            if let ratio = c.signal(named: "member.db_size_ratio", on: entity), let v = ratio.number {
                claims.append(ratio.claim("its database is at \(NumberText.percent(v)) of its quota"))
            }
            let failing = T.members(c, "member.state", equal: "alarm")
            if !failing.isEmpty {
                claims.append(Claim.from(failing, "/health fails because of the alarm on \(failing.map { T.name($0.entity) }.joined(separator: ", "))"))
            }
            return T.hypothesis(
                "db-quota", entity, score: T.score(0.95, c, ["alarm-active", "db-size-near-quota"], on: entity), claims: claims,
                supporting: [alarm.asEvidence()] + (c.signal(named: "cluster.alarms", on: .cluster).map { [$0.asEvidence()] } ?? []),
                actions: actions)
        }
        guard let ratio = T.worst(c, "member.db_size_ratio"), let value = ratio.number else {
            return T.hypothesis(
                "db-quota", c.incident.rootEntity, score: 0.02, claims: [],
                against: [c.signal(named: "cluster.alarms", on: .cluster)?.claim("no alarm is active")].compactMap { $0 },
                absent: "no database size and quota were gathered")
        }
        let entity = ratio.entity ?? c.incident.rootEntity
        guard value > settings.dbSizeRatio else {
            return T.hypothesis(
                "db-quota", entity, score: 0.05, claims: [],
                against: [
                    T.atMost(ratio, settings.dbSizeRatio, "the largest database (\(T.name(entity))) is at \(NumberText.percent(value)) of its quota, under the \(NumberText.percent(settings.dbSizeRatio)) threshold")
                ])
        }
        return T.hypothesis(
            "db-quota", entity, score: T.score(0.85, c, ["db-size-near-quota", "alarm-active"], on: entity),
            claims: [
                T.atLeast(ratio, settings.dbSizeRatio, "the database of \(T.name(entity)) is at \(NumberText.percent(value)) of its quota; at the quota etcd raises NOSPACE and refuses writes")
            ],
            supporting: [ratio.asEvidence()], actions: actions)
    }

    private static let actions: [Diagnosis.RecommendedAction] = [
        .init(action: "Compact old revisions (`etcdctl compact`) then `etcdctl defrag` each member", rationale: "frees the space history holds", risk: "medium"),
        .init(action: "Then clear the alarm: `etcdctl alarm disarm`", rationale: "writes stay refused until the alarm is disarmed", risk: "low"),
        .init(action: "Raise --quota-backend-bytes (at most 8 GiB)", rationale: "buys room while the key space is cleaned up", risk: "medium"),
    ]

    static func slowDisk(_ c: DiagnosisContext, _ settings: EtcdSettings) -> Hypothesis {
        let fsync = T.worst(c, "member.wal_fsync_p99_seconds")
        let commit = T.worst(c, "member.backend_commit_p99_seconds")
        guard fsync != nil || commit != nil else {
            return T.hypothesis(
                "slow-disk", c.incident.rootEntity, score: 0.02, claims: [],
                absent: "no fsync or backend commit latency was gathered (no metrics with two readings in the window)")
        }
        let fsyncSlow = (fsync?.number ?? 0) > settings.fsyncP99Seconds
        let commitSlow = (commit?.number ?? 0) > settings.backendCommitP99Seconds
        guard fsyncSlow || commitSlow else {
            var against: [Claim] = []
            if let fsync {
                against.append(T.atMost(fsync, settings.fsyncP99Seconds, "WAL fsync p99 is at most \(T.seconds(fsync.number ?? 0)) (\(T.name(fsync.entity))), under \(T.seconds(settings.fsyncP99Seconds))"))
            }
            if let commit {
                against.append(T.atMost(commit, settings.backendCommitP99Seconds, "backend commit p99 is at most \(T.seconds(commit.number ?? 0)) (\(T.name(commit.entity))), under \(T.seconds(settings.backendCommitP99Seconds))"))
            }
            return T.hypothesis("slow-disk", c.incident.rootEntity, score: 0.05, claims: [], against: against)
        }
        let culprit = (fsyncSlow ? fsync : commit) ?? fsync ?? commit
        let entity = culprit?.entity ?? c.incident.rootEntity
        var claims: [Claim] = []
        if fsyncSlow, let fsync {
            claims.append(T.atLeast(fsync, settings.fsyncP99Seconds, "WAL fsync p99 on \(T.name(fsync.entity)) is \(T.seconds(fsync.number ?? 0)), over \(T.seconds(settings.fsyncP99Seconds))"))
        }
        if commitSlow, let commit {
            claims.append(T.atLeast(commit, settings.backendCommitP99Seconds, "backend commit p99 on \(T.name(commit.entity)) is \(T.seconds(commit.number ?? 0)), over \(T.seconds(settings.backendCommitP99Seconds))"))
        }
        if let state = c.signal(named: "member.state", on: entity), state.text == "slow-disk" {
            claims.append(state.claim("\(T.name(entity)) fails /health while its disk is slow"))
        }
        // A member resumed after a freeze records one fsync that spanned the freeze: not a slow disk.
        var score = T.score(0.8, c, ["fsync-slow", "member-unhealthy"], on: entity)
        var against: [Claim] = []
        if let state = c.signal(named: "member.state", on: entity), state.text == "recovering" {
            score = 0.3
            against.append(state.claim("\(T.name(entity)) is recovering from an outage: its slow fsyncs span the time it was out"))
        }
        var h = T.hypothesis(
            "slow-disk", entity, score: score, claims: claims, supporting: [fsync, commit].compactMap { $0?.asEvidence() },
            actions: [
                .init(
                    action: "Check the disk of \(T.name(entity)) (iostat, other I/O on the same device) and move the etcd data directory to a dedicated SSD",
                    rationale: "etcd needs fsync p99 under 10 ms to keep heartbeats on time", risk: "medium"),
                .init(action: "Defragment if the database is large: `etcdctl defrag`", rationale: "a compact database commits faster", risk: "low"),
            ])
        if !against.isEmpty {
            h.againstClaims = against
            h.against = against.map(\.text).joined(separator: "; ")
        }
        return h
    }

    /// The evidence behind ``leadership(_:_:lost:)``: the signal, or the ticket excerpt that recorded it.
    static func leadershipEvidence(_ c: DiagnosisContext, _ entity: Entity) -> [Diagnosis.Evidence] {
        var out: [Diagnosis.Evidence] = []
        if let was = c.signal(named: "member.was_leader", on: entity), was.value == .bool(true) {
            out.append(was.asEvidence())
        } else if let ticket = c.tickets.first(where: { $0.entity == entity && $0.excerpt["was_leader"] == .bool(true) }) {
            out.append(
                Diagnosis.Evidence(
                    signal: "member.was_leader (\(entity))", queryOrSource: "ticket #\(ticket.id.map(String.init) ?? "?") excerpt",
                    value: "true", note: "recorded when the member went out"))
        } else {
            return out
        }
        if let leader = c.signal(named: "cluster.leader", on: .cluster) { out.append(leader.asEvidence()) }
        return out
    }

    /// What the context says about `entity` leading: only `member.was_leader` / `member.is_leader` and the
    /// `cluster.leader` signal (which names only a leader that answers) are cited.
    static func leadership(_ c: DiagnosisContext, _ entity: Entity, lost: String) -> [Claim] {
        var claims: [Claim] = []
        if let was = c.signal(named: "member.was_leader", on: entity), was.value == .bool(true) {
            claims.append(was.claim("\(T.name(entity)) was the leader until it \(lost), so the others had to elect a new one"))
        } else if let recorded = c.tickets.first(where: { $0.entity == entity && $0.excerpt["was_leader"] == .bool(true) }),
            let id = recorded.id
        {
            claims.append(
                Claim(
                    "\(T.name(entity)) was the leader when it \(lost) (ticket #\(id))", evidence: ["t\(id)"],
                    facts: [Fact(evidence: "t\(id)", equals: .string(recorded.invariant))]))
        } else {
            return claims
        }
        if let leader = c.signal(named: "cluster.leader", on: .cluster), let now = leader.text, now != T.name(entity) {
            claims.append(leader.claim("\(now) leads now"))
        } else if let leader = c.signal(named: "cluster.leader", on: .cluster), leader.value == .null {
            claims.append(leader.claim("no member that answers leads yet"))
        }
        return claims
    }
}
