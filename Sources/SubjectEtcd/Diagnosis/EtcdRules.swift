import OperatorCore

/// The offline diagnoser's rules for etcd, one per category. Each answers on every context: with a high
/// score when its category fits, otherwise a low one and an `against` that cites the values that rule it out.
enum EtcdRules {
    static func all(_ settings: EtcdSettings) -> [DiagnosisRule] {
        [
            DiagnosisRule(category: "quorum-lost") { quorumLost($0) },
            DiagnosisRule(category: "node-down") { nodeDown($0) },
            DiagnosisRule(category: "db-quota") { dbQuota($0, settings) },
            DiagnosisRule(category: "slow-disk") { slowDisk($0, settings) },
            DiagnosisRule(category: "leader-churn") { leaderChurn($0, settings) },
            DiagnosisRule(category: "network-lag") { networkLag($0, settings) },
            DiagnosisRule(category: "overload") { overload($0, settings) },
        ]
    }

    // MARK: - Helpers

    private static func name(_ e: Entity?) -> String { e?.id ?? e?.description ?? "?" }

    private static func number(_ c: DiagnosisContext, _ signal: String) -> Double? {
        c.signal(named: signal, on: .cluster)?.number
    }

    /// The signal with the largest finite value of this name across members.
    private static func worst(_ c: DiagnosisContext, _ signal: String) -> Signal? {
        c.signals(named: signal).filter { $0.number?.isFinite == true }.max { ($0.number ?? 0) < ($1.number ?? 0) }
    }

    private static func seconds(_ s: Double) -> String { DurationText.format(seconds: s) }

    // MARK: - Rules

    static func nodeDown(_ c: DiagnosisContext) -> Hypothesis {
        let reach = c.signals(named: "member.reachable")
        let down = reach.filter { $0.value == .bool(false) }
        guard !down.isEmpty else {
            let names = reach.compactMap { name($0.entity) }.joined(separator: ", ")
            return Hypothesis(
                category: "node-down", entity: c.incident.rootEntity, score: 0.05,
                explanation: "a member stopped answering",
                against: reach.isEmpty ? "no member reachability was gathered" : "every member answered: member.reachable is true for \(names)")
        }
        let root = c.incident.rootEntity
        let entity = down.first { $0.entity == root }?.entity ?? down[0].entity ?? root
        // The ticket's excerpt recorded leadership when the member went down; a later observation (a
        // one-shot `operator diagnose`) may no longer know who led before.
        let recorded = c.tickets.contains { $0.invariant == "member-down" && $0.entity == entity && $0.excerpt["was_leader"] == .bool(true) }
        let wasLeader = recorded || c.signal(named: "member.was_leader", on: entity)?.value == .bool(true)
        let quorumLost = (number(c, "cluster.quorum") ?? 0) > Double(c.signal(named: "cluster.serving_members", on: .cluster)?.value.arrayValue?.count ?? Int.max)
        var explanation = "\(name(entity)) stopped answering on its client URL"
        if down.count > 1 { explanation += " (also down: \(down.compactMap(\.entity).filter { $0 != entity }.map(name).joined(separator: ", ")))" }
        if wasLeader {
            explanation += "; it was the leader, so the others had to elect a new one"
            if let now = c.signal(named: "cluster.leader", on: .cluster)?.text { explanation += " (\(now) leads now)" }
        }
        var supporting = down.map { $0.asEvidence(note: "refused or timed out") }
        if wasLeader {
            if let leader = c.signal(named: "member.was_leader", on: entity), leader.value == .bool(true) {
                supporting.append(leader.asEvidence())
            } else if let ticket = c.tickets.first(where: { $0.invariant == "member-down" && $0.entity == entity }) {
                supporting.append(
                    Diagnosis.Evidence(
                        signal: "member.was_leader (\(entity))", queryOrSource: "ticket #\(ticket.id.map(String.init) ?? "?") excerpt",
                        value: "true", note: "recorded when the member went down"))
            }
        }
        if let current = c.signal(named: "cluster.leader", on: .cluster) { supporting.append(current.asEvidence()) }
        return Hypothesis(
            category: "node-down", entity: entity, score: quorumLost ? 0.85 : 0.9, explanation: explanation,
            supporting: supporting,
            against: quorumLost ? "a single member down does not stop the cluster; here a majority is gone" : nil,
            actions: [
                .init(
                    action: "Check the etcd process of \(name(entity)) (its log, `systemctl status etcd` or `operator deploy status`) and start it again",
                    rationale: "a member that restarts on its data directory rejoins and catches up from the leader", risk: "low"),
                .init(
                    action: "If its host or disk is gone, replace it: `etcdctl member remove <id>` then `etcdctl member add` a new one",
                    rationale: "a permanently lost member keeps counting against quorum until removed", risk: "medium"),
            ])
    }

    static func quorumLost(_ c: DiagnosisContext) -> Hypothesis {
        let serving = c.signal(named: "cluster.serving_members", on: .cluster)?.value.arrayValue?.compactMap(\.stringValue) ?? []
        let quorum = number(c, "cluster.quorum").flatMap { Int(checking: $0) } ?? 0  // contexts may be replayed from disk
        let voting = number(c, "cluster.voting_members").flatMap { Int(checking: $0) } ?? 0
        guard quorum > 0, serving.count < quorum else {
            return Hypothesis(
                category: "quorum-lost", entity: .cluster, score: 0.05, explanation: "a majority of members is gone",
                against: quorum == 0
                    ? "the member list was not gathered"
                    : "\(serving.count) of \(voting) voting members serve (\(serving.joined(separator: ", "))); quorum needs \(quorum)")
        }
        let down = c.signals(named: "member.reachable").filter { $0.value == .bool(false) }.compactMap(\.entity).map(name)
        var supporting: [Diagnosis.Evidence] = []
        if let s = c.signal(named: "cluster.serving_members", on: .cluster) { supporting.append(s.asEvidence()) }
        if let q = c.signal(named: "cluster.quorum", on: .cluster) { supporting.append(q.asEvidence()) }
        if let l = c.signal(named: "cluster.leader", on: .cluster) { supporting.append(l.asEvidence()) }
        supporting += c.signals(named: "member.reachable").filter { $0.value == .bool(false) }.map { $0.asEvidence() }
        return Hypothesis(
            category: "quorum-lost", entity: .cluster, score: 0.95,
            explanation:
                "only \(serving.count) of \(voting) voting members serve\(serving.isEmpty ? "" : " (\(serving.joined(separator: ", ")))"); a leader needs \(quorum) votes, so no leader can be elected and every write fails"
                + (down.isEmpty ? "" : ". Down: \(down.joined(separator: ", "))"),
            supporting: supporting,
            actions: [
                .init(
                    action: "Bring the down members back (\(down.isEmpty ? "the members not serving" : down.joined(separator: ", "))) on their existing data directories",
                    rationale: "as soon as a majority runs again the members elect a leader by themselves", risk: "low"),
                .init(
                    action: "Only if the down members' data is lost for good: restore from a snapshot or restart one member with --force-new-cluster",
                    rationale: "forcing a new cluster discards membership and can lose acknowledged writes", risk: "high"),
            ])
    }

    static func slowDisk(_ c: DiagnosisContext, _ settings: EtcdSettings) -> Hypothesis {
        let fsync = worst(c, "member.wal_fsync_p99_seconds")
        let commit = worst(c, "member.backend_commit_p99_seconds")
        guard fsync != nil || commit != nil else {
            return Hypothesis(
                category: "slow-disk", entity: c.incident.rootEntity, score: 0.02, explanation: "a slow disk delays WAL fsyncs",
                against: "no fsync or backend commit latency was gathered (no metrics with two readings in the window)")
        }
        let fsyncSlow = (fsync?.number ?? 0) > settings.fsyncP99Seconds
        let commitSlow = (commit?.number ?? 0) > settings.backendCommitP99Seconds
        let fsyncText = fsync.map { "WAL fsync p99 at most \(seconds($0.number ?? 0)) (\(name($0.entity)))" } ?? "no WAL fsync data"
        let commitText = commit.map { "backend commit p99 at most \(seconds($0.number ?? 0)) (\(name($0.entity)))" } ?? "no backend commit data"
        guard fsyncSlow || commitSlow else {
            return Hypothesis(
                category: "slow-disk", entity: c.incident.rootEntity, score: 0.05, explanation: "a slow disk delays WAL fsyncs",
                against: "\(fsyncText), \(commitText); thresholds \(seconds(settings.fsyncP99Seconds)) and \(seconds(settings.backendCommitP99Seconds))")
        }
        let culprit = (fsyncSlow ? fsync : commit) ?? fsync ?? commit
        let entity = culprit?.entity ?? c.incident.rootEntity
        return Hypothesis(
            category: "slow-disk", entity: entity, score: 0.8,
            explanation:
                "the disk under \(name(entity)) is slow: \(fsyncText), \(commitText); raft waits for every fsync, so heartbeats and proposals lag",
            supporting: [fsync, commit].compactMap { $0?.asEvidence() },
            actions: [
                .init(
                    action: "Check the disk of \(name(entity)) (iostat, other I/O on the same device) and move the etcd data directory to a dedicated SSD",
                    rationale: "etcd needs fsync p99 under 10 ms to keep heartbeats on time", risk: "medium"),
                .init(action: "Defragment if the database is large: `etcdctl defrag`", rationale: "a compact database commits faster", risk: "low"),
            ])
    }

    static func leaderChurn(_ c: DiagnosisContext, _ settings: EtcdSettings) -> Hypothesis {
        let signal = c.signal(named: "cluster.leader_changes", on: .cluster)
        let changes = signal?.number ?? 0
        let window = DurationText.format(settings.window)
        guard changes > settings.leaderChangesMax else {
            return Hypothesis(
                category: "leader-churn", entity: .cluster, score: 0.1, explanation: "leadership keeps moving between members",
                against:
                    "\(NumberText.integer(changes)) leader change(s) in \(window) (\(signal?.source ?? "not gathered")), at most \(NumberText.integer(settings.leaderChangesMax)) expected")
        }
        var supporting: [Diagnosis.Evidence] = []
        if let s = c.signal(named: "cluster.leader_changes", on: .cluster) { supporting.append(s.asEvidence()) }
        if let l = c.signal(named: "cluster.leader", on: .cluster) { supporting.append(l.asEvidence()) }
        return Hypothesis(
            category: "leader-churn", entity: .cluster, score: 0.7,
            explanation: "\(NumberText.integer(changes)) leader changes in \(window): members keep timing out on the leader's heartbeats",
            supporting: supporting,
            actions: [
                .init(
                    action: "Compare --heartbeat-interval and --election-timeout with the peer round trip and fsync latency",
                    rationale: "an election timeout too close to real latencies makes followers campaign needlessly", risk: "low")
            ])
    }

    static func dbQuota(_ c: DiagnosisContext, _ settings: EtcdSettings) -> Hypothesis {
        guard let ratio = worst(c, "member.db_size_ratio"), let value = ratio.number else {
            return Hypothesis(
                category: "db-quota", entity: c.incident.rootEntity, score: 0.02, explanation: "the database reached its quota",
                against: "no database size and quota were gathered")
        }
        let entity = ratio.entity ?? c.incident.rootEntity
        let size = c.signal(named: "member.db_size_bytes", on: entity)?.number ?? 0
        let quota = c.signal(named: "member.quota_backend_bytes", on: entity)?.number ?? 0
        let text = "\(ByteText.format(size)) of \(ByteText.format(quota)) (\(NumberText.percent(value))) on \(name(entity))"
        guard value > settings.dbSizeRatio else {
            return Hypothesis(
                category: "db-quota", entity: entity, score: 0.05, explanation: "the database reached its quota",
                against: "largest database is \(text), under the \(NumberText.percent(settings.dbSizeRatio)) threshold")
        }
        return Hypothesis(
            category: "db-quota", entity: entity, score: 0.85,
            explanation: "the database is \(text); at the quota etcd raises NOSPACE and refuses writes",
            supporting: [ratio.asEvidence()],
            actions: [
                .init(action: "Compact old revisions (`etcdctl compact`) then `etcdctl defrag` each member", rationale: "frees the space history holds", risk: "medium"),
                .init(action: "Raise --quota-backend-bytes (at most 8 GiB)", rationale: "buys room while the key space is cleaned up", risk: "medium"),
            ])
    }

    static func networkLag(_ c: DiagnosisContext, _ settings: EtcdSettings) -> Hypothesis {
        let rtt = worst(c, "member.peer_rtt_p99_seconds")
        let reachable = Set(c.signals(named: "member.reachable").filter { $0.value == .bool(true) }.compactMap { $0.entity.map(name) })
        // A stream to a peer that answers clients is a network problem; one to a dead peer is not.
        let partitions = c.signals(named: "member.inactive_peers").flatMap { s -> [String] in
            guard let from = s.entity.map(name), reachable.contains(from) else { return [] }
            return (s.value.arrayValue ?? []).compactMap(\.stringValue).filter { reachable.contains($0) }.map { "\(from)→\($0)" }
        }
        let slow = (rtt?.number ?? 0) > settings.peerRoundTripP99Seconds
        guard slow || !partitions.isEmpty else {
            let rttText = rtt.map { "peer round trip p99 at most \(seconds($0.number ?? 0)) (\(name($0.entity)))" } ?? "no peer round-trip data"
            return Hypothesis(
                category: "network-lag", entity: c.incident.rootEntity, score: rtt == nil ? 0.02 : 0.05,
                explanation: "the network between members is slow or partitioned",
                against: "\(rttText), threshold \(seconds(settings.peerRoundTripP99Seconds)); no lost peer stream between members that answer clients")
        }
        let entity = rtt?.entity ?? c.incident.rootEntity
        var explanation = "members lose or wait on each other"
        if slow, let rtt { explanation += ": peer round trip p99 \(seconds(rtt.number ?? 0)) from \(name(rtt.entity))" }
        if !partitions.isEmpty { explanation += "; peer streams down between live members: \(partitions.joined(separator: ", "))" }
        return Hypothesis(
            category: "network-lag", entity: entity, score: partitions.isEmpty ? 0.65 : 0.75, explanation: explanation,
            supporting: [rtt?.asEvidence()].compactMap { $0 } + c.signals(named: "member.inactive_peers").map { $0.asEvidence() },
            actions: [
                .init(
                    action: "Check the network path between the members' peer URLs (packet loss, firewall, MTU)",
                    rationale: "raft needs peer round trips well under the heartbeat interval", risk: "low")
            ])
    }

    static func overload(_ c: DiagnosisContext, _ settings: EtcdSettings) -> Hypothesis {
        let pending = worst(c, "member.proposals_pending")
        let failed = number(c, "cluster.proposals_failed")
        let hasLeader = c.signal(named: "cluster.leader", on: .cluster)?.text != nil
        let busy = (pending?.number ?? 0) > settings.proposalsPendingMax
        let failing = (failed ?? 0) > settings.proposalsFailedMax && hasLeader
        guard busy || failing else {
            return Hypothesis(
                category: "overload", entity: c.incident.rootEntity, score: pending == nil && failed == nil ? 0.02 : 0.05,
                explanation: "more requests than the leader can commit",
                against:
                    "proposals pending at most \(NumberText.integer(pending?.number ?? 0)) (max \(NumberText.integer(settings.proposalsPendingMax))), \(NumberText.integer(failed ?? 0)) failed in the window\(hasLeader ? "" : ", and there is no leader to overload")")
        }
        let entity = pending?.entity ?? c.incident.rootEntity
        return Hypothesis(
            category: "overload", entity: entity, score: 0.6,
            explanation: "the leader has a backlog: \(NumberText.integer(pending?.number ?? 0)) proposals pending, \(NumberText.integer(failed ?? 0)) failed in the window while a leader exists",
            supporting: [pending?.asEvidence(), c.signal(named: "cluster.proposals_failed", on: .cluster)?.asEvidence()].compactMap { $0 },
            actions: [
                .init(
                    action: "Find the heaviest clients (etcd_server_client_requests_total, large range or watch requests) and rate-limit them",
                    rationale: "etcd serves one leader's worth of writes; more clients do not add capacity", risk: "low")
            ])
    }
}
