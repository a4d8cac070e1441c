import Foundation
import OperatorCore

/// The rules about one store's resources: disk space, disk speed, load, the network to its peers.
extension TiKVRules {
    // MARK: disk-full

    static func diskFull(_ f: Facts, _ t: TiKVThresholds) -> Hypothesis {
        let candidates = f.candidateStores.filter { $0.number("store.available_ratio") != nil }
        let others = f.otherTickets("store-low-space").filter { !f.incidentStores.contains($0.entity) }
        let otherClaim = others.isEmpty
            ? nil : Facts.cite(others, "\(others.map(\.entity.description).joined(separator: ", ")) low on space is a separate open ticket")
        guard let s = candidates.min(by: { ($0.number("store.available_ratio") ?? 1) < ($1.number("store.available_ratio") ?? 1) }),
            let ratio = s.number("store.available_ratio")
        else {
            return weak(TiKVCategory.diskFull, fallbackEntity(f), score: 0.05, "a store is out of disk space",
                against: [f.ticketClaim("no free-space figure was gathered for \(f.incidentStores.map(\.description).joined(separator: ", "))")]
                    + [otherClaim].compactMap { $0 })
        }
        let supporting = f.evidence(s, ["store.available_ratio", "store.grpc_failures_per_second"])
        let available = s.signal("store.available_ratio")
        if ratio < t.lowSpaceRatio {
            let relevance = f.relevance(of: s.entity)
            return Hypothesis(
                category: TiKVCategory.diskFull, entity: s.entity,
                score: (f.rootIs("store-low-space", on: s.entity) ? 0.95 : 0.85) * relevance,
                claims: [
                    f.claim("\(s.label) has \(pct(ratio)) of its disk available (below \(pct(t.lowSpaceRatio)))", [available]),
                    // A fact about TiKV, not about this cluster: it cites the figure it applies to.
                    f.claim("TiKV rejects writes when it runs out", [available]),
                ],
                supporting: supporting,
                againstClaims: f.relevanceClaim(of: s.entity).map { [f.claim("\(s.label) disk available \(pct(ratio))", [available]), $0] } ?? [],
                actions: [
                    .init(action: "Free or add disk space on \(s.label)'s data volume (old snapshots, logs, other files) or expand the volume",
                        rationale: "TiKV stops accepting writes when the disk fills", risk: "low"),
                    .init(action: "Add TiKV stores or lower the store's region weight so PD moves regions off it",
                        rationale: "PD balances by space once it has somewhere to move data", risk: "medium"),
                ])
        }
        return weak(TiKVCategory.diskFull, s.entity, score: ratio < t.lowSpaceRatio * 1.5 ? 0.3 : 0.05, "\(s.label) is out of disk space",
            against: [f.claim("\(s.label) disk available \(pct(ratio)) (expected < \(pct(t.lowSpaceRatio)))", [available])]
                + [otherClaim].compactMap { $0 },
            supporting: supporting)
    }

    // MARK: slow-disk

    static func slowDisk(_ f: Facts, _ t: TiKVThresholds) -> Hypothesis {
        let skeleton = StoreRuleSkeleton(
            category: TiKVCategory.slowDisk, symptom: "a store's disk is slow", strongAbove: 0.35,
            evidence: ["store.slow_score", "store.append_p99_seconds", "store.apply_p99_seconds", "store.commit_p99_seconds", "store.p99_seconds"])
        return skeleton.hypothesis(
            f,
            noStore: {
                f.candidateStores.isEmpty
                    ? f.ticketClaim("no store evidence was gathered")
                    : f.claim("every store in the incident is down; a slow disk needs a running store", f.candidateStores.flatMap(\.stateSignals))
            },
            score: { s in
                let score = s.number("store.slow_score")
                let slow = (score ?? 0) >= t.slowScore
                let diskRatio = [f.ratioToPeers("store.append_p99_seconds", of: s, floor: 0.001),
                    f.ratioToPeers("store.apply_p99_seconds", of: s, floor: 0.001)].compactMap { $0 }.max()
                let diskAbs = [s.number("store.append_p99_seconds"), s.number("store.apply_p99_seconds")].compactMap { $0 }.max()
                let diskElevated = (diskRatio ?? 0) >= 5 && (diskAbs ?? 0) >= 0.05
                var value = 0.05
                // A slow score without slow disk numbers is PD's slow store (an I/O hang records few observations).
                if slow && diskElevated { value = 0.92 } else if diskElevated { value = 0.65 } else if slow { value = 0.55 }
                else if (score ?? 0) >= t.slowScore / 2 { value = 0.35 }
                if value > 0.3, f.rootIs("slow-store", on: s.entity) { value += 0.03 }
                value *= f.relevance(of: s.entity)
                let why = f.claim(
                    "\(s.label) slow score \(fmt(score)) (expected < \(fmt(t.slowScore))); append p99 \(secs(s.number("store.append_p99_seconds"))), apply p99 \(secs(s.number("store.apply_p99_seconds"))) vs peers' median \(secs(f.peerMedian("store.append_p99_seconds", excluding: s.entity)))/\(secs(f.peerMedian("store.apply_p99_seconds", excluding: s.entity)))",
                    [s.signal("store.slow_score"), s.signal("store.append_p99_seconds"), s.signal("store.apply_p99_seconds")]
                        + f.peerSignals("store.append_p99_seconds", excluding: s.entity) + f.peerSignals("store.apply_p99_seconds", excluding: s.entity))
                return (value, why)
            },
            strong: { best in
                let s = best.store
                return .init(
                    claims: [Claim("\(s.label)'s disk is slow", evidence: best.why.evidence, facts: best.why.facts), best.why],
                    actions: [
                        .init(action: "Check the disk behind \(s.label) (iostat -x latency and utilisation, SMART errors, noisy neighbours on shared volumes)",
                            rationale: "append and apply latency are local disk writes", risk: "low"),
                        .init(action: "Move leaders off \(s.label) while the disk is slow (pd-ctl scheduler add evict-leader-scheduler \(s.entity.id ?? "<id>")), and remove the scheduler afterwards",
                            rationale: "clients follow leaders; followers on a slow disk hurt less", risk: "medium"),
                    ])
            },
            weakAgainst: { best, all in [all.first { $0.score <= 0.35 }?.why ?? best.why] })
    }

    // MARK: overload

    static func overload(_ f: Facts, _ t: TiKVThresholds) -> Hypothesis {
        let downClaim = downStoreClaim(f)
        let skeleton = StoreRuleSkeleton(
            category: TiKVCategory.overload, symptom: "a store is overloaded", strongAbove: 0.3,
            evidence: ["store.qps", "store.cpu", "store.cpu_quota_ratio", "store.raftstore_cpu", "store.p99_seconds"])
        return skeleton.hypothesis(
            f,
            noStore: { f.claim("no running store in the incident to be overloaded", f.candidateStores.flatMap(\.stateSignals)) },
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
                    if downClaim != nil { value -= 0.3 }
                    if f.rootIs("cpu-high", on: s.entity) { value += 0.03 }
                }
                value *= f.relevance(of: s.entity)
                let why = f.claim(
                    "\(s.label) QPS \(fmt(s.number("store.qps"))) vs peers' median \(fmt(f.peerMedian("store.qps", excluding: s.entity))) (\(qpsPeers.map { String(format: "%.1f×", $0) } ?? "no comparison")); CPU \(fmt(s.number("store.cpu"))) cores = \(pct(cpuRatio)) of quota",
                    [s.signal("store.qps"), s.signal("store.cpu"), s.signal("store.cpu_quota_ratio")]
                        + f.peerSignals("store.qps", excluding: s.entity))
                return (value, why)
            },
            strong: { best in
                let s = best.store
                return .init(
                    claims: [Claim("\(s.label) is overloaded", evidence: best.why.evidence, facts: best.why.facts), best.why],
                    actions: [
                        .init(action: "Find the hot regions on \(s.label) (pd-ctl hot write / hot read, or GET /pd/api/v1/hotspot/regions/write) and the workload behind them",
                            rationale: "a surge on one store is usually a hot key range", risk: "low"),
                        .init(action: "Split or scatter the hot regions (pd-ctl operator add split-region), or spread the writing workload's keys",
                            rationale: "lets PD's hot-region scheduler move load to other stores", risk: "medium"),
                    ])
            },
            weakAgainst: { best, _ in
                var why = best.why
                why.text += " (expected a surge of 2× its peers or CPU above \(pct(t.cpuQuotaRatio)) of quota)"
                return [why] + [downClaim].compactMap { $0 }
            })
    }

    // MARK: network-lag

    static func networkLag(_ f: Facts, _ t: TiKVThresholds) -> Hypothesis {
        let downClaim = downStoreClaim(f)
        let skeleton = StoreRuleSkeleton(
            category: TiKVCategory.networkLag, symptom: "the network to a store is slow", strongAbove: 0.3,
            evidence: ["store.raft_log_lag_p99", "store.commit_p99_seconds", "store.append_p99_seconds", "store.p99_seconds", "store.heartbeat_age_seconds"])
        return skeleton.hypothesis(
            f,
            noStore: { f.claim("no running store in the incident to lag", f.candidateStores.flatMap(\.stateSignals)) },
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
                    if downClaim != nil { value -= 0.4 }
                    if f.rootIs("raft-lag", on: s.entity) { value += 0.03 }
                }
                value *= f.relevance(of: s.entity)
                let why = f.claim(
                    "\(s.label) Raft log lag p99 \(fmt(lag)) entries (threshold \(fmt(t.raftLogLagEntries))); commit p99 \(secs(s.number("store.commit_p99_seconds"))) vs peers' median \(secs(f.peerMedian("store.commit_p99_seconds", excluding: s.entity))); local append/apply \(localDiskNormal ? "normal" : "also slow")",
                    [s.signal("store.raft_log_lag_p99"), s.signal("store.commit_p99_seconds"), s.signal("store.append_p99_seconds"),
                        s.signal("store.apply_p99_seconds")]
                        + f.peerSignals("store.commit_p99_seconds", excluding: s.entity)
                        + f.peerSignals("store.append_p99_seconds", excluding: s.entity)
                        + f.peerSignals("store.apply_p99_seconds", excluding: s.entity))
                return (value, why)
            },
            strong: { best in
                let s = best.store
                return .init(
                    claims: [Claim("the network between \(s.label) and its peers is slow", evidence: best.why.evidence, facts: best.why.facts), best.why],
                    actions: [
                        .init(action: "Measure round trips and loss between \(s.label)'s host and the other stores (ping, mtr; NIC error counters)",
                            rationale: "commit latency and Raft lag rise with network delay while local disk latency stays normal", risk: "low"),
                        .init(action: "If the link cannot be fixed soon, move leaders off \(s.label) (pd-ctl scheduler add evict-leader-scheduler \(s.entity.id ?? "<id>"))",
                            rationale: "a leader behind a slow link slows every write in its regions", risk: "medium"),
                    ])
            },
            weakAgainst: { best, _ in [best.why] + [downClaim].compactMap { $0 } })
    }
}
