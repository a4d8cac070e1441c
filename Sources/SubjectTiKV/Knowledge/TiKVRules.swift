import OperatorCore

/// The offline diagnoser's rules for TiKV: one per category. Each answers on every context with a score;
/// when its category does not fit, `against` cites the values that rule it out. Store-level rules look at
/// the incident's own stores (all stores when the incident names none), so open tickets elsewhere are
/// distractors, not candidates.
public enum TiKVRules {
    public static func all(_ t: TiKVThresholds) -> [DiagnosisRule] {
        [
            DiagnosisRule(category: TiKVCategory.nodeDown) { nodeDown(DiagnosisFacts($0)) },
            DiagnosisRule(category: TiKVCategory.controlPlaneDown) { controlPlaneDown(DiagnosisFacts($0)) },
            DiagnosisRule(category: TiKVCategory.diskFull) { diskFull(DiagnosisFacts($0), t) },
            DiagnosisRule(category: TiKVCategory.slowDisk) { slowDisk(DiagnosisFacts($0), t) },
            DiagnosisRule(category: TiKVCategory.overload) { overload(DiagnosisFacts($0), t) },
            DiagnosisRule(category: TiKVCategory.networkLag) { networkLag(DiagnosisFacts($0), t) },
            DiagnosisRule(category: TiKVCategory.replicationDegraded) { replicationDegraded(DiagnosisFacts($0)) },
            DiagnosisRule(category: TiKVCategory.leaderImbalance) { leaderImbalance(DiagnosisFacts($0), t) },
        ]
    }

    typealias Facts = DiagnosisFacts
    private static func fmt(_ v: Double?) -> String { Facts.fmt(v) }
    private static func pct(_ v: Double?) -> String { Facts.pct(v) }
    private static func secs(_ v: Double?) -> String { Facts.secs(v) }

    private static func fallbackEntity(_ f: Facts) -> Entity { f.context.incident.rootEntity }

    /// "store 2 is down (Disconnected)" for the first down store anywhere, to argue against symptoms.
    private static func downStoreRemark(_ f: Facts) -> String? {
        guard let s = f.allStores.first(where: \.isDown) else { return nil }
        return "\(s.label) is down (\(s.state ?? "status endpoint unreachable")), which explains this on its peers"
    }

    // MARK: node-down

    static func nodeDown(_ f: Facts) -> Hypothesis {
        let pdOutage = pdLeaderMissing(f) || pdUnhealthyMembers(f).contains { wasLeader(f, $0) }
        let downs = f.candidateStores.filter(\.isDown)
        guard let s = downs.first else {
            let states = f.candidateStores.prefix(4).map {
                "\($0.label) \($0.state ?? "?")" + ($0.reachable == true ? " and answering" : "")
            }
            return Hypothesis(
                category: TiKVCategory.nodeDown, entity: fallbackEntity(f), score: 0.05,
                explanation: "a store process or host is down",
                against: states.isEmpty
                    ? "no store state was gathered" : "no store is down: " + states.joined(separator: ", ") + " (expected Disconnected/Down or unreachable)")
        }
        var score = f.rootIs("store-down", on: s.entity) ? 0.95 : 0.85
        var against: String? = f.relevanceRemark(of: s.entity)
        var why = ["PD reports it \(s.state ?? "?")"]
        if let age = s.number("store.heartbeat_age_seconds") { why[0] += " (last heartbeat \(secs(age)) ago)" }
        if s.reachable == false { why.append("its status endpoint does not answer") }
        if s.reachable == true {
            // Alive but unheard: a PD outage or a network partition between the store and PD.
            score = pdOutage ? 0.35 : 0.6
            why.append("yet its status endpoint still answers")
            against = pdOutage
                ? "\(s.label) status endpoint still answers; PD lost its heartbeats because PD itself lost its leader"
                : "\(s.label) status endpoint still answers, so the process is alive; PD does not hear from it"
        }
        score *= f.relevance(of: s.entity)
        return Hypothesis(
            category: TiKVCategory.nodeDown, entity: s.entity, score: score,
            explanation: "\(s.label) is down: " + why.joined(separator: "; ") + ".",
            supporting: f.evidence(s, ["store.state", "store.status_reachable", "store.heartbeat_age_seconds"])
                + degradedRegionEvidence(f),
            against: against,
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

    private static func pdUnhealthyMembers(_ f: Facts) -> [Entity] {
        f.context.signals(named: "pd.member_healthy").filter { $0.value.boolValue == false }.compactMap(\.entity)
    }

    private static func pdLeaderMissing(_ f: Facts) -> Bool {
        if let s = f.clusterSignal("pd.leader") { return s.value == .null }
        return false
    }

    private static func wasLeader(_ f: Facts, _ member: Entity) -> Bool {
        guard let name = member.id else { return false }
        return f.clusterSignal("pd.leader")?.text == name || f.clusterSignal("pd.previous_leader")?.text == name
    }

    static func controlPlaneDown(_ f: Facts) -> Hypothesis {
        let unhealthy = pdUnhealthyMembers(f)
        let leaderMissing = pdLeaderMissing(f)
        let leaderSignal = f.clusterSignal("pd.leader")
        let support = ([leaderSignal, f.clusterSignal("pd.previous_leader")].compactMap { $0 }
            + f.context.signals(named: "pd.member_healthy").filter { $0.value.boolValue == false }).map { $0.asEvidence() }
        let actions: [Diagnosis.RecommendedAction] = [
            .init(action: "Check the PD member's process and host, then restart it", rationale: "PD members rejoin their cluster by themselves", risk: "low"),
            .init(action: "Confirm a PD leader is elected (pd-ctl member leader show, or GET /pd/api/v1/leader) and that a majority of PD members is up",
                rationale: "without a leader PD allocates no timestamps and schedules nothing", risk: "low"),
        ]
        if let formerLeader = unhealthy.first(where: { wasLeader(f, $0) }) {
            return Hypothesis(
                category: TiKVCategory.controlPlaneDown, entity: formerLeader, score: 0.95,
                explanation: "PD member \(formerLeader.id ?? "?") \(leaderMissing ? "was the PD leader and is down; no leader is elected yet" : "was the PD leader and is down; another member took over").",
                supporting: support, actions: actions)
        }
        if leaderMissing {
            let entity = unhealthy.first ?? .cluster
            return Hypothesis(
                category: TiKVCategory.controlPlaneDown, entity: entity, score: 0.93,
                explanation: "PD has no leader" + (unhealthy.isEmpty ? "" : "; unhealthy: \(unhealthy.map(\.description).joined(separator: ", "))") + ".",
                supporting: support, actions: actions)
        }
        if let member = unhealthy.first {
            let score = f.rootIs("pd-unhealthy") ? 0.75 : 0.6
            return Hypothesis(
                category: TiKVCategory.controlPlaneDown, entity: member, score: score,
                explanation: "PD member \(member.id ?? "?") fails PD's health check; PD leader \(leaderSignal?.text ?? "?") still serves.",
                supporting: support, actions: actions)
        }
        let members = f.context.signals(named: "pd.member_healthy").count
        return Hypothesis(
            category: TiKVCategory.controlPlaneDown, entity: .cluster, score: 0.05,
            explanation: "PD lost its leader or a member",
            against: leaderSignal == nil && members == 0
                ? "no PD health evidence was gathered"
                : "PD leader \(leaderSignal?.text ?? "?") is elected and all \(members) members pass the health check")
    }

    // MARK: disk-full

    static func diskFull(_ f: Facts, _ t: TiKVThresholds) -> Hypothesis {
        let candidates = f.candidateStores.filter { $0.number("store.available_ratio") != nil }
        let others = f.otherTickets("store-low-space").map(\.entity).filter { !f.incidentStores.contains($0) }
        let otherRemark = others.isEmpty ? "" : "; \(others.map(\.description).joined(separator: ", ")) low on space is a separate open ticket"
        guard let s = candidates.min(by: { ($0.number("store.available_ratio") ?? 1) < ($1.number("store.available_ratio") ?? 1) }),
            let ratio = s.number("store.available_ratio")
        else {
            return Hypothesis(
                category: TiKVCategory.diskFull, entity: fallbackEntity(f), score: 0.05, explanation: "a store is out of disk space",
                against: "no free-space figure was gathered for \(f.incidentStores.map(\.description).joined(separator: ", "))" + otherRemark)
        }
        let supporting = f.evidence(s, ["store.available_ratio", "store.grpc_failures_per_second"])
        if ratio < t.lowSpaceRatio {
            let relevance = f.relevance(of: s.entity)
            return Hypothesis(
                category: TiKVCategory.diskFull, entity: s.entity,
                score: (f.rootIs("store-low-space", on: s.entity) ? 0.95 : 0.85) * relevance,
                explanation: "\(s.label) has \(pct(ratio)) of its disk available (below \(pct(t.lowSpaceRatio))); TiKV rejects writes when it runs out.",
                supporting: supporting,
                against: f.relevanceRemark(of: s.entity).map { "\(s.label) disk available \(pct(ratio)), but \($0)" },
                actions: [
                    .init(action: "Free or add disk space on \(s.label)'s data volume (old snapshots, logs, other files) or expand the volume",
                        rationale: "TiKV stops accepting writes when the disk fills", risk: "low"),
                    .init(action: "Add TiKV stores or lower the store's region weight so PD moves regions off it",
                        rationale: "PD balances by space once it has somewhere to move data", risk: "medium"),
                ])
        }
        return Hypothesis(
            category: TiKVCategory.diskFull, entity: s.entity, score: ratio < t.lowSpaceRatio * 1.5 ? 0.3 : 0.05,
            explanation: "\(s.label) is out of disk space", supporting: supporting,
            against: "\(s.label) disk available \(pct(ratio)) (expected < \(pct(t.lowSpaceRatio)))" + otherRemark)
    }

    // MARK: slow-disk

    static func slowDisk(_ f: Facts, _ t: TiKVThresholds) -> Hypothesis {
        let skeleton = StoreRuleSkeleton(
            category: TiKVCategory.slowDisk, symptom: "a store's disk is slow", strongAbove: 0.35,
            evidence: ["store.slow_score", "store.append_p99_seconds", "store.apply_p99_seconds", "store.commit_p99_seconds", "store.p99_seconds"])
        return skeleton.hypothesis(
            f,
            noStore: { f.candidateStores.isEmpty ? "no store evidence was gathered" : "every store in the incident is down; a slow disk needs a running store" },
            score: { s in
                let score = s.number("store.slow_score")
                let slow = (score ?? 0) >= t.slowScore
                let diskRatio = [f.ratioToPeers("store.append_p99_seconds", of: s, floor: 0.001),
                    f.ratioToPeers("store.apply_p99_seconds", of: s, floor: 0.001)].compactMap { $0 }.max()
                let diskAbs = [s.number("store.append_p99_seconds"), s.number("store.apply_p99_seconds")].compactMap { $0 }.max()
                let diskElevated = (diskRatio ?? 0) >= 5 && (diskAbs ?? 0) >= 0.05
                var value = 0.05
                if slow && diskElevated { value = 0.92 } else if slow { value = 0.8 } else if diskElevated { value = 0.65 }
                else if (score ?? 0) >= t.slowScore / 2 { value = 0.35 }
                if value > 0.3, f.rootIs("slow-store", on: s.entity) { value += 0.03 }
                value *= f.relevance(of: s.entity)
                let why = "\(s.label) slow score \(fmt(score)) (expected < \(fmt(t.slowScore))); append p99 \(secs(s.number("store.append_p99_seconds"))), apply p99 \(secs(s.number("store.apply_p99_seconds"))) vs peers' median \(secs(f.peerMedian("store.append_p99_seconds", excluding: s.entity)))/\(secs(f.peerMedian("store.apply_p99_seconds", excluding: s.entity)))"
                return (value, why)
            },
            strong: { best in
                let s = best.store
                return .init(
                    explanation: "\(s.label)'s disk is slow: \(best.why).",
                    actions: [
                        .init(action: "Check the disk behind \(s.label) (iostat -x latency and utilisation, SMART errors, noisy neighbours on shared volumes)",
                            rationale: "append and apply latency are local disk writes", risk: "low"),
                        .init(action: "Move leaders off \(s.label) while the disk is slow (pd-ctl scheduler add evict-leader-scheduler \(s.entity.id ?? "<id>")), and remove the scheduler afterwards",
                            rationale: "clients follow leaders; followers on a slow disk hurt less", risk: "medium"),
                    ])
            },
            weakAgainst: { best, all in all.first { $0.score <= 0.35 }?.why ?? best.why })
    }

    // MARK: overload

    static func overload(_ f: Facts, _ t: TiKVThresholds) -> Hypothesis {
        let downRemark = downStoreRemark(f)
        let skeleton = StoreRuleSkeleton(
            category: TiKVCategory.overload, symptom: "a store is overloaded", strongAbove: 0.3,
            evidence: ["store.qps", "store.cpu", "store.cpu_quota_ratio", "store.raftstore_cpu", "store.p99_seconds"])
        return skeleton.hypothesis(
            f,
            noStore: { "no running store in the incident to be overloaded" },
            score: { s in
                let cpuRatio = s.number("store.cpu_quota_ratio")
                let cpuHigh = (cpuRatio ?? 0) > t.cpuQuotaRatio
                let qpsPeers = f.ratioToPeers("store.qps", of: s, floor: 1)
                let qpsSurge = (qpsPeers ?? 0) >= 2 && (s.number("store.qps") ?? 0) >= 50
                let cpuSurge = (f.ratioToPeers("store.cpu", of: s, floor: 0.05) ?? 0) >= 2
                var value = 0.05
                if (cpuHigh || cpuSurge) && qpsSurge { value = 0.9 } else if cpuHigh { value = 0.75 } else if qpsSurge { value = 0.7 }
                else if cpuSurge { value = 0.6 }
                if value > 0.3 {
                    if (s.number("store.slow_score") ?? 0) >= t.slowScore { value -= 0.25 }
                    if downRemark != nil { value -= 0.3 }
                    if f.rootIs("cpu-high", on: s.entity) { value += 0.03 }
                }
                value *= f.relevance(of: s.entity)
                let why = "\(s.label) QPS \(fmt(s.number("store.qps"))) vs peers' median \(fmt(f.peerMedian("store.qps", excluding: s.entity))) (\(qpsPeers.map { String(format: "%.1f×", $0) } ?? "no comparison")); CPU \(fmt(s.number("store.cpu"))) cores = \(pct(cpuRatio)) of quota"
                return (value, why)
            },
            strong: { best in
                let s = best.store
                return .init(
                    explanation: "\(s.label) is overloaded: \(best.why).",
                    actions: [
                        .init(action: "Find the hot regions on \(s.label) (pd-ctl hot write / hot read, or GET /pd/api/v1/hotspot/regions/write) and the workload behind them",
                            rationale: "a surge on one store is usually a hot key range", risk: "low"),
                        .init(action: "Split or scatter the hot regions (pd-ctl operator add split-region), or spread the writing workload's keys",
                            rationale: "lets PD's hot-region scheduler move load to other stores", risk: "medium"),
                    ])
            },
            weakAgainst: { best, _ in
                best.why + " (expected a surge of 2× its peers or CPU above \(pct(t.cpuQuotaRatio)) of quota)"
                    + (downRemark.map { "; \($0)" } ?? "")
            })
    }

    // MARK: network-lag

    static func networkLag(_ f: Facts, _ t: TiKVThresholds) -> Hypothesis {
        let downRemark = downStoreRemark(f)
        let skeleton = StoreRuleSkeleton(
            category: TiKVCategory.networkLag, symptom: "the network to a store is slow", strongAbove: 0.3,
            evidence: ["store.raft_log_lag_p99", "store.commit_p99_seconds", "store.append_p99_seconds", "store.p99_seconds", "store.heartbeat_age_seconds"])
        return skeleton.hypothesis(
            f,
            noStore: { "no running store in the incident to lag" },
            score: { s in
                let lag = s.number("store.raft_log_lag_p99")
                let lagHigh = (lag ?? 0) > t.raftLogLagEntries || (f.ratioToPeers("store.raft_log_lag_p99", of: s, floor: 10) ?? 0) >= 20
                let commitRatio = f.ratioToPeers("store.commit_p99_seconds", of: s, floor: 0.001)
                let diskRatio = [f.ratioToPeers("store.append_p99_seconds", of: s, floor: 0.001),
                    f.ratioToPeers("store.apply_p99_seconds", of: s, floor: 0.001)].compactMap { $0 }.max()
                let localDiskNormal = (diskRatio ?? 1) < 3
                let slow = (s.number("store.slow_score") ?? 0) >= t.slowScore
                var value = 0.05
                if lagHigh && localDiskNormal && !slow { value = 0.88 } else if lagHigh { value = 0.55 }
                else if (commitRatio ?? 0) >= 5 && localDiskNormal && !slow { value = 0.6 }
                if value > 0.3 {
                    if downRemark != nil { value -= 0.4 }
                    if f.rootIs("raft-lag", on: s.entity) { value += 0.03 }
                }
                value *= f.relevance(of: s.entity)
                let why = "\(s.label) Raft log lag p99 \(fmt(lag)) entries (threshold \(fmt(t.raftLogLagEntries))); commit p99 \(secs(s.number("store.commit_p99_seconds"))) vs peers' median \(secs(f.peerMedian("store.commit_p99_seconds", excluding: s.entity))); local append/apply \(localDiskNormal ? "normal" : "also slow")"
                return (value, why)
            },
            strong: { best in
                let s = best.store
                return .init(
                    explanation: "the network between \(s.label) and its peers is slow: \(best.why).",
                    actions: [
                        .init(action: "Measure round trips and loss between \(s.label)'s host and the other stores (ping, mtr; NIC error counters)",
                            rationale: "commit latency and Raft lag rise with network delay while local disk latency stays normal", risk: "low"),
                        .init(action: "If the link cannot be fixed soon, move leaders off \(s.label) (pd-ctl scheduler add evict-leader-scheduler \(s.entity.id ?? "<id>"))",
                            rationale: "a leader behind a slow link slows every write in its regions", risk: "medium"),
                    ])
            },
            weakAgainst: { best, _ in best.why + (downRemark.map { "; \($0)" } ?? "") })
    }

    // MARK: replication-degraded

    private static func degradedRegionEvidence(_ f: Facts) -> [Diagnosis.Evidence] {
        ["regions.miss_peer", "regions.down_peer", "regions.pending_peer", "regions.offline_peer"].compactMap {
            f.clusterSignal($0).flatMap { ($0.number ?? 0) > 0 ? $0.asEvidence() : nil }
        }
    }

    static func replicationDegraded(_ f: Facts) -> Hypothesis {
        let names = ["regions.miss_peer", "regions.down_peer", "regions.pending_peer", "regions.offline_peer"]
        let counts = names.map { ($0, f.clusterSignal($0)?.number) }
        let total = counts.reduce(0) { $0 + ($1.1 ?? 0) }
        let text = counts.map { "\(fmt($0.1)) \($0.0.dropFirst("regions.".count).replacingOccurrences(of: "_", with: "-"))" }
            .joined(separator: ", ")
        if counts.allSatisfy({ $0.1 == nil }) {
            return Hypothesis(
                category: TiKVCategory.replicationDegraded, entity: .cluster, score: 0.05,
                explanation: "regions lack healthy replicas", against: "no region health counts were gathered")
        }
        guard total > 0 else {
            return Hypothesis(
                category: TiKVCategory.replicationDegraded, entity: .cluster, score: 0.05,
                explanation: "regions lack healthy replicas", against: "PD reports \(text) regions (expected > 0)")
        }
        if let remark = downStoreRemark(f) {
            return Hypothesis(
                category: TiKVCategory.replicationDegraded, entity: .cluster, score: 0.3,
                explanation: "regions lack healthy replicas (\(text))", supporting: degradedRegionEvidence(f),
                against: remark.replacingOccurrences(of: "on its peers", with: "for the regions that had a replica there"))
        }
        if pdLeaderMissing(f) {
            return Hypothesis(
                category: TiKVCategory.replicationDegraded, entity: .cluster, score: 0.3,
                explanation: "regions lack healthy replicas (\(text))", supporting: degradedRegionEvidence(f),
                against: "PD has no leader, so it cannot repair replicas; the control plane is the cause")
        }
        return Hypothesis(
            category: TiKVCategory.replicationDegraded, entity: .cluster, score: f.rootIs("replication-degraded") ? 0.75 : 0.7,
            explanation: "regions lack healthy replicas while every store is up (\(text)): PD is not repairing them.",
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
        guard counts.count >= 2 else {
            return Hypothesis(
                category: TiKVCategory.leaderImbalance, entity: .cluster, score: 0.05, explanation: "leaders are unbalanced",
                against: "fewer than two serving stores report leader counts")
        }
        let mean = counts.reduce(0) { $0 + $1.1 } / Double(counts.count)
        let worst = counts.max { abs($0.1 - mean) < abs($1.1 - mean) }
        let deviation = mean > 0 ? abs((worst?.1 ?? mean) - mean) / mean : 0
        let listing = counts.map { "\($0.0.label) \(fmt($0.1))" }.joined(separator: ", ")
        let supporting = counts.compactMap { $0.0.signals["store.leader_count"]?.asEvidence() }
        guard deviation > t.leaderImbalanceRatio, mean >= t.leaderImbalanceMinLeaders else {
            return Hypothesis(
                category: TiKVCategory.leaderImbalance, entity: .cluster, score: 0.05, explanation: "leaders are unbalanced",
                against: "leaders are balanced: \(listing) (mean \(fmt(mean.rounded())); expected a store more than \(pct(t.leaderImbalanceRatio)) off)")
        }
        if let remark = downStoreRemark(f) {
            return Hypothesis(
                category: TiKVCategory.leaderImbalance, entity: .cluster, score: 0.25, explanation: "leaders are unbalanced (\(listing))",
                supporting: supporting, against: remark)
        }
        return Hypothesis(
            category: TiKVCategory.leaderImbalance, entity: .cluster, score: f.rootIs("leader-imbalance") ? 0.65 : 0.6,
            explanation: "leaders are unbalanced: \(listing) against a mean of \(fmt(mean.rounded())).", supporting: supporting,
            actions: [
                .init(action: "Check PD's balance-leader scheduler and leftover evict-leader schedulers (pd-ctl scheduler show) and store leader weights",
                    rationale: "PD balances leaders by score = count / weight", risk: "low"),
            ])
    }
}
