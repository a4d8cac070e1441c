import Foundation
import OperatorCore

/// Turns a snapshot into named signals. Names are stable: rules and stored contexts look them up.
///
/// Per member: `member.reachable`, `member.reachability` (answers, refused, silent, not-started),
/// `member.state` (healthy, alarm, no-leader, slow-disk, unresponsive, down, recovering, failing),
/// `member.health_reason`, `member.alarm` (on the member that raised one), `member.removed`, `member.health`, `member.is_leader`, `member.was_leader`,
/// `member.unhealthy_observations`, `member.raft_term`, `member.db_size_bytes`, `member.quota_backend_bytes`,
/// `member.db_size_ratio`, `member.wal_fsync_p99_seconds`, `member.backend_commit_p99_seconds`,
/// `member.peer_rtt_p99_seconds`, `member.inactive_peers`, `member.leader_changes`, `member.proposals_failed`,
/// `member.proposals_pending`, `member.slow_applies`. For the cluster: `cluster.leader`,
/// `cluster.previous_leader`, `cluster.raft_term`, `cluster.members`, `cluster.voting_members`,
/// `cluster.serving_members`, `cluster.quorum`, `cluster.leader_changes`, `cluster.proposals_failed`,
/// `cluster.leaderless_observations`, `cluster.alarms`, `cluster.linearizable_read`, `cluster.removed_members`,
/// `cluster.previous_leader_state`. `cluster.leader` names a leader only when that member answers itself.
enum EtcdEvidence {
    static func signals(from s: EtcdSnapshot, settings: EtcdSettings) -> [Signal] {
        var out: [Signal] = []
        let window = DurationText.format(seconds: s.windowSeconds)
        for m in s.members {
            let e = m.entity
            let url = m.clientURL ?? "(no client URL)"
            let condition = s.condition(of: m, disk: settings.diskThresholds)
            out.append(
                Signal(
                    "member.reachability", entity: e, value: .string(condition.reachability.rawValue),
                    source: "POST \(url)/v3/maintenance/status and GET \(url)/health within the probe budget", expected: "answers"))
            out.append(
                Signal(
                    "member.state", entity: e, value: .string(condition.health.rawValue),
                    source: "reachability, /health, alarms, leader and disk latency of \(m.displayName)", expected: "healthy"))
            if let reason = condition.reason {
                out.append(Signal("member.health_reason", entity: e, value: .string(reason), source: "why \(m.displayName) is \(condition.health.rawValue)"))
            }
            out.append(
                Signal(
                    "member.reachable", entity: e, value: .bool(m.reachable),
                    source: "POST \(url)/v3/maintenance/status, GET \(url)/health", expected: "true"))
            out.append(
                Signal(
                    "member.health", entity: e, value: m.healthy.map { .bool($0) } ?? .null, source: "GET \(url)/health",
                    expected: "true"))
            out.append(
                Signal(
                    "member.is_leader", entity: e, value: .bool(s.answeringLeader?.id == m.id),
                    source: "leader field of maintenance/status on the members"))
            out.append(
                Signal(
                    "member.was_leader", entity: e, value: .bool(LeaderNote.wasLeader(m, in: s)),
                    source: "leaders Operator observed"))
            if m.consecutiveUnhealthy > 0 {
                out.append(
                    Signal(
                        "member.unhealthy_observations", entity: e, value: .number(Double(m.consecutiveUnhealthy)),
                        source: "GET \(url)/health on consecutive observations", expected: "0"))
            }
            if let term = m.status?.raftTerm {
                out.append(Signal("member.raft_term", entity: e, value: .number(Double(term)), source: "POST \(url)/v3/maintenance/status"))
            }
            let quota = m.metrics?.quotaBackendBytes ?? settings.quotaBackendBytes
            if let size = m.metrics?.dbTotalSizeBytes ?? m.status?.dbSizeBytes.map(Double.init) {
                out.append(Signal("member.db_size_bytes", entity: e, value: .number(size), source: "etcd_mvcc_db_total_size_in_bytes / dbSize", unit: "bytes"))
                if let quota, quota > 0 {
                    out.append(
                        Signal(
                            "member.db_size_ratio", entity: e, value: .number(size / quota), source: "db size / quota backend bytes",
                            expected: "< \(settings.dbSizeRatio)"))
                }
            }
            if let quota {
                out.append(Signal("member.quota_backend_bytes", entity: e, value: .number(quota), source: "etcd_server_quota_backend_bytes", unit: "bytes"))
            }
            guard let metrics = m.metrics else { continue }
            func add(_ name: String, _ value: Double?, _ source: String, expected: String? = nil, unit: String? = nil) {
                guard let value, value.isFinite else { return }
                out.append(Signal(name, entity: e, value: .number(value), source: source, expected: expected, unit: unit))
            }
            add(
                "member.wal_fsync_p99_seconds", metrics.walFsyncP99Seconds,
                "histogram_quantile(0.99, rate(etcd_disk_wal_fsync_duration_seconds_bucket[\(window)])) via \(s.metricsSource)",
                expected: "< \(settings.fsyncP99Seconds)", unit: "s")
            add(
                "member.backend_commit_p99_seconds", metrics.backendCommitP99Seconds,
                "histogram_quantile(0.99, rate(etcd_disk_backend_commit_duration_seconds_bucket[\(window)]))",
                expected: "< \(settings.backendCommitP99Seconds)", unit: "s")
            add(
                "member.peer_rtt_p99_seconds", metrics.worstPeerRoundTripP99Seconds,
                "histogram_quantile(0.99, rate(etcd_network_peer_round_trip_time_seconds_bucket[\(window)])), slowest peer",
                expected: "< \(settings.peerRoundTripP99Seconds)", unit: "s")
            let inactive = metrics.activePeers.filter { $0.value == 0 }.keys.sorted().map { s.displayName(EtcdMemberID(hex: $0) ?? m.id) }
            out.append(
                Signal(
                    "member.inactive_peers", entity: e, value: .array(inactive.map { .string($0) }),
                    source: "etcd_network_active_peers == 0", expected: "[]"))
            add("member.leader_changes", metrics.leaderChangesInWindow, "increase(etcd_server_leader_changes_seen_total[\(window)])")
            add("member.proposals_failed", metrics.proposalsFailedInWindow, "increase(etcd_server_proposals_failed_total[\(window)])", expected: "0")
            add("member.proposals_pending", metrics.proposalsPending, "etcd_server_proposals_pending", expected: "< \(NumberText.integer(settings.proposalsPendingMax))")
            add("member.slow_applies", metrics.slowAppliesInWindow, "increase(etcd_server_slow_apply_total[\(window)])", expected: "0")
        }

        for a in s.alarms {
            out.append(
                Signal(
                    "member.alarm", entity: a.entity, value: .string(a.kind),
                    source: "POST /v3/maintenance/alarm {\"action\":\"GET\"}: memberID \(a.memberID.decimal) = \(a.memberID.hex)", expected: "no alarm"))
        }
        out.append(
            Signal(
                "cluster.alarms", entity: .cluster, value: .array(s.alarms.map { .string($0.description) }),
                source: "POST /v3/maintenance/alarm {\"action\":\"GET\"} on the members", expected: "[]"))
        for r in s.removedMembers {
            out.append(
                Signal(
                    "member.removed", entity: r.entity, value: .bool(true),
                    source: "member lists Operator observed: last listed \(Timestamp.format(r.lastListed))", expected: "false"))
        }
        out.append(
            Signal(
                "cluster.removed_members", entity: .cluster, value: .array(s.removedMembers.map { .string($0.displayName) }),
                source: "members in an earlier member list and not in this one", expected: "[]"))
        out.append(
            Signal(
                "cluster.linearizable_read", entity: .cluster,
                value: s.linearizableRead.map { .string($0.succeeded ? "served" : "failed") } ?? .null,
                source: "POST /v3/kv/range (serializable false) on the members that answer", expected: "served"))
        if let previous = s.previousLeader, let term = previous.term {
            out.append(
                Signal(
                    "cluster.previous_leader_term", entity: .cluster, value: .number(Double(term)),
                    source: "raft term of \(previous.name ?? previous.id.hex) when it last led, as Operator saw it"))
        }
        if let previous = s.previousLeader {
            let state: String? =
                s.member(previous.id).map { s.condition(of: $0, disk: settings.diskThresholds).health.rawValue }
                ?? (s.removedMembers.contains { $0.id == previous.id } ? "removed" : nil)
            if let state {
                out.append(
                    Signal(
                        "cluster.previous_leader_state", entity: .cluster, value: .string(state),
                        source: "state of \(previous.name ?? previous.id.hex), the previous leader, now"))
            }
        }

        let voting = s.votingMembers
        let serving = voting.filter { ServingMembers.isServing($0, unhealthyAfter: settings.unhealthyAfter) }
        out.append(
            Signal(
                "cluster.leader", entity: .cluster, value: s.answeringLeader.map { .string($0.name ?? $0.id.hex) } ?? .null,
                source: "leader field of maintenance/status, named only when that member answers itself", expected: "a member name"))
        if let previous = s.previousLeader {
            out.append(
                Signal(
                    "cluster.previous_leader", entity: .cluster, value: .string(previous.name ?? previous.id.hex),
                    source: "leaders Operator observed"))
        }
        if let term = s.leader?.term ?? s.members.compactMap({ $0.status?.raftTerm }).max() {
            out.append(Signal("cluster.raft_term", entity: .cluster, value: .number(Double(term)), source: "raftTerm of maintenance/status"))
        }
        out.append(Signal("cluster.members", entity: .cluster, value: .number(Double(s.members.count)), source: "POST \(s.answeredBy)/v3/cluster/member/list"))
        out.append(Signal("cluster.voting_members", entity: .cluster, value: .number(Double(voting.count)), source: "member list, learners excluded"))
        out.append(
            Signal(
                "cluster.serving_members", entity: .cluster, value: .array(serving.map { .string($0.displayName) }),
                source: "members reachable and not persistently failing /health", expected: "at least \(s.quorum)"))
        out.append(Signal("cluster.quorum", entity: .cluster, value: .number(Double(s.quorum)), source: "majority of voting members"))
        let (changes, changeSource, _) = LeaderChurnInvariant.leaderChanges(in: s)
        out.append(
            Signal(
                "cluster.leader_changes", entity: .cluster, value: .number(changes), source: changeSource,
                expected: "<= \(NumberText.integer(settings.leaderChangesMax)) in \(window)"))
        let failed = s.members.compactMap { $0.metrics?.proposalsFailedInWindow }.filter(\.isFinite)
        if !failed.isEmpty {
            out.append(
                Signal(
                    "cluster.proposals_failed", entity: .cluster, value: .number(failed.reduce(0, +)),
                    source: "sum of increase(etcd_server_proposals_failed_total[\(window)])",
                    expected: "<= \(NumberText.integer(settings.proposalsFailedMax))"))
        }
        out.append(
            Signal(
                "cluster.leaderless_observations", entity: .cluster, value: .number(Double(s.leaderlessObservations)),
                source: "consecutive observations without a leader", expected: "0"))
        return out
    }

    /// Members and roles, for the diagnoser's picture of the cluster.
    static func topology(of s: EtcdSnapshot) -> JSONValue {
        .object([
            "cluster_id": s.clusterID.map { .string($0.hex) } ?? .null,
            "leader": s.answeringLeader.map { .string($0.name ?? $0.id.hex) } ?? .null,
            "members": .array(
                s.members.map { m in
                    .object([
                        "name": .string(m.displayName), "id": .string(m.id.hex),
                        "client_url": m.clientURL.map { .string($0) } ?? .null,
                        "peer_urls": .array(m.peerURLs.map { .string($0) }),
                        "role": .string(s.answeringLeader?.id == m.id ? "leader" : m.isLearner ? "learner" : "follower"),
                        "reachable": .bool(m.reachable), "state": .string(s.condition(of: m).health.rawValue),
                    ])
                }),
        ])
    }
}
