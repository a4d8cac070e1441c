import Foundation
import OperatorCore
import Testing

@testable import SubjectTiKV

private typealias B = SnapshotBuilder

/// Runs the path a monitor tick and the diagnosis runner take, without a database: invariants → causal
/// links → incident grouping (first link naming an effect wins, as in the core) → context with evidence
/// gathered from the snapshot → the offline rules.
private struct Scenario {
    let snapshot: TiKVSnapshot
    let knowledge = TiKVKnowledge()

    var violations: [Violation] { B.violations(snapshot) }

    /// Root key of every violation.
    var roots: [ViolationKey: ViolationKey] {
        let links = knowledge.causalLinks(among: violations, in: snapshot)
        var parent: [ViolationKey: ViolationKey] = [:]
        for l in links where parent[l.effect] == nil { parent[l.effect] = l.cause }
        var out: [ViolationKey: ViolationKey] = [:]
        for v in violations {
            var k = v.key
            var seen: Set<ViolationKey> = [k]
            while let p = parent[k], seen.insert(p).inserted { k = p }
            out[v.key] = k
        }
        return out
    }

    func members(of root: ViolationKey) -> [ViolationKey] {
        roots.filter { $0.value == root }.map(\.key).sorted { a, b in a == root ? true : (b == root ? false : a < b) }
    }

    func diagnose(root: ViolationKey) async -> Diagnosis {
        let byKey = Dictionary(uniqueKeysWithValues: violations.map { ($0.key, $0) })
        let at = snapshot.observedAt
        func ticket(_ v: Violation, _ n: Int64) -> ContextTicket {
            ContextTicket(
                id: n, invariant: v.invariant, entity: v.entity, severity: v.severity, message: v.message,
                firstSeen: at.addingTimeInterval(-60), lastSeen: at, occurrences: 6, excerpt: v.excerpt)
        }
        let inside = members(of: root)
        let tickets = inside.enumerated().compactMap { i, k in byKey[k].map { ticket($0, Int64(i + 1)) } }
        let others = violations.filter { !inside.contains($0.key) }.enumerated().map { ticket($1, Int64(100 + $0)) }
        let request = EvidenceRequest(
            rootEntity: root.entity, tickets: tickets, window: DateInterval(start: at.addingTimeInterval(-600), end: at))
        let evidence = await knowledge.gatherEvidence(for: request, snapshot: snapshot)
        let context = DiagnosisContext(
            subject: "tikv",
            incident: ContextIncident(id: 1, rootEntity: root.entity, rootInvariant: root.invariant, title: "test"),
            tickets: tickets, otherOpenTickets: others, taxonomy: knowledge.taxonomy, evidence: evidence, builtAt: at)
        var diagnosis = OfflineDiagnoser.reason(over: context, rules: knowledge.rules)
        // The runner audits every offline diagnosis strictly: a claim the context does not hold rejects it.
        do { try diagnosis.audit(against: context, strict: true) } catch {
            Issue.record("the offline diagnosis states what its context does not hold: \(error)")
        }
        #expect(!diagnosis.claims.isEmpty, "the root cause states its facts as claims")
        return diagnosis
    }
}

private func key(_ text: String) -> ViolationKey {
    let parts = text.split(separator: "@", maxSplits: 1).map(String.init)
    return ViolationKey(invariant: parts[0], entity: Entity(stringLiteral: parts[1]))
}

@Suite("TiKV diagnosis: causal links and offline rules for each simulator fault")
struct DiagnosisTests {
    @Test("taxonomy has every required category and every rule's category is in it")
    func taxonomy() {
        let ids = Set(TiKVKnowledge().taxonomy.map(\.id))
        #expect(ids.isSuperset(of: [
            "node-down", "disk-full", "slow-disk", "overload", "replication-degraded", "leader-imbalance", "network-lag",
            "control-plane-down", "write-stall", "restart-loop", "network-partition", "slow-store", "pd-leader-switch",
            "pending-peers", "too-many-regions",
        ]))
        #expect(Set(TiKVKnowledge().rules.map(\.category)) == ids)
    }

    @Test("store-down → node-down on that store; degraded regions and survivors' latency join its incident; a low-space store elsewhere stays separate")
    func storeDown() async throws {
        let s = B.snapshot(
            stores: [
                B.store(1, qps: 450, p99: 0.4, leaders: 30), B.store(2, state: "Disconnected", reachable: false, leaders: 0),
                B.store(3, availableRatio: 0.12, qps: 450, leaders: 30),
            ],
            regionCounts: [.downPeer: 60, .pendingPeer: 20])
        let scenario = Scenario(snapshot: s)
        let root = key("store-down@store:2")
        #expect(Set(scenario.members(of: root)) == [root, key("replication-degraded@cluster"), key("latency-high@store:1")])
        #expect(scenario.roots[key("store-low-space@store:3")] == key("store-low-space@store:3"))

        let d = await scenario.diagnose(root: root)
        #expect(d.rootCause.category == "node-down")
        #expect(d.rootCause.entity == "store:2")
        #expect(d.confidence >= 0.9)
        #expect(d.evidence.contains { $0.signal.hasPrefix("store.state (store:2)") && $0.value == "Disconnected" })
        let disk = try #require(d.alternatives.first { $0.hypothesis.hasPrefix("disk-full") })
        #expect(disk.rejectedBecause.contains("store 2 disk available 60% (expected < 20%)"), "\(disk.rejectedBecause)")
        #expect(disk.rejectedBecause.contains("store:3"), "mentions the separate low-space ticket: \(disk.rejectedBecause)")
        #expect(!d.recommendedActions.isEmpty)

        let distractor = await scenario.diagnose(root: key("store-low-space@store:3"))
        #expect(distractor.rootCause.category == "disk-full")
        #expect(distractor.rootCause.entity == "store:3")
    }

    @Test("disk-full → disk-full on that store, with an unhealthy PD follower as a distractor")
    func diskFull() async throws {
        let s = B.snapshot(stores: [B.store(1, availableRatio: 0.08), B.store(2), B.store(3)], unhealthyPD: ["pd3"])
        let scenario = Scenario(snapshot: s)
        let d = await scenario.diagnose(root: key("store-low-space@store:1"))
        #expect(d.rootCause.category == "disk-full")
        #expect(d.rootCause.entity == "store:1")
        #expect(d.evidence.contains { $0.signal == "store.available_ratio (store:1)" && $0.value == "0.08" })
        let pd = await scenario.diagnose(root: key("pd-unhealthy@pd:pd3"))
        #expect(pd.rootCause.category == "control-plane-down")
        #expect(pd.rootCause.entity == "pd:pd3")
    }

    @Test("slow-disk (high append/apply latency and slow score) → slow-disk; its latency joins the slow-store incident")
    func slowDisk() async throws {
        let s = B.snapshot(stores: [
            B.store(1, availableRatio: 0.15), B.store(2),
            B.store(3, p99: 1.2, slowScore: 95, append: 0.45, commit: 0.6, apply: 0.35),
        ])
        let scenario = Scenario(snapshot: s)
        let root = key("slow-store@store:3")
        #expect(Set(scenario.members(of: root)) == [root, key("latency-high@store:3")])
        let d = await scenario.diagnose(root: root)
        #expect(d.rootCause.category == "slow-disk")
        #expect(d.rootCause.entity == "store:3")
        let lag = try #require(d.alternatives.first { $0.hypothesis.hasPrefix("network-lag") })
        #expect(lag.rejectedBecause.contains("Raft log lag p99 3 entries"), "\(lag.rejectedBecause)")
        // Before the slow score crosses 80 the latency incident alone already points at the disk.
        let early = Scenario(snapshot: B.snapshot(stores: [
            B.store(1), B.store(2), B.store(3, p99: 0.6, slowScore: 55, append: 0.2, commit: 0.3, apply: 0.15),
        ]))
        let e = await early.diagnose(root: key("latency-high@store:3"))
        #expect(e.rootCause.category == "slow-disk")
        #expect(e.rootCause.entity == "store:3")
    }

    @Test("hot-write (QPS and CPU surge) → overload, with or without a CPU quota; a pending-peer blip is a distractor")
    func hotWrite() async throws {
        let s = B.snapshot(
            stores: [B.store(1, qps: 3300, p99: 0.03, cpu: 3.5), B.store(2), B.store(3)], regionCounts: [.pendingPeer: 2])
        let scenario = Scenario(snapshot: s)
        let d = await scenario.diagnose(root: key("cpu-high@store:1"))
        #expect(d.rootCause.category == "overload")
        #expect(d.rootCause.entity == "store:1")
        let slow = try #require(d.alternatives.first { $0.hypothesis.hasPrefix("slow-disk") })
        #expect(slow.rejectedBecause.contains("slow score 1"), "\(slow.rejectedBecause)")

        let noQuota = Scenario(snapshot: B.snapshot(stores: [
            B.store(1, qps: 3300, p99: 0.3, cpu: 2.4, cpuQuota: nil), B.store(2, cpuQuota: nil), B.store(3, cpuQuota: nil),
        ]))
        let n = await noQuota.diagnose(root: key("latency-high@store:1"))
        #expect(n.rootCause.category == "overload")
        #expect(n.rootCause.entity == "store:1")

        let distractor = await scenario.diagnose(root: key("replication-degraded@cluster"))
        #expect(distractor.rootCause.category == "replication-degraded")
    }

    @Test("pd-leader-down → control-plane-down on the former leader, after and during the election")
    func pdLeaderDown() async throws {
        let after = Scenario(snapshot: B.snapshot(
            stores: [B.store(1), B.store(2, slowScore: 60), B.store(3)], leader: "pd2", previousLeader: "pd1", unhealthyPD: ["pd1"]))
        let d = await after.diagnose(root: key("pd-unhealthy@pd:pd1"))
        #expect(d.rootCause.category == "control-plane-down")
        #expect(d.rootCause.entity == "pd:pd1")
        #expect(d.confidence >= 0.9)

        // Election under way: no leader, and live stores look Disconnected because heartbeats go nowhere.
        let during = Scenario(snapshot: B.snapshot(
            stores: [B.store(1, state: "Disconnected"), B.store(2), B.store(3)], leader: nil, previousLeader: "pd1",
            unhealthyPD: ["pd1"]))
        let root = key("pd-unhealthy@pd:pd1")
        #expect(Set(during.members(of: root)) == [root, key("pd-unhealthy@cluster"), key("store-isolated@store:1")])
        let e = await during.diagnose(root: root)
        #expect(e.rootCause.category == "control-plane-down")
        #expect(e.rootCause.entity == "pd:pd1")
        let node = try #require(e.alternatives.first { $0.hypothesis.hasPrefix("node-down") })
        #expect(node.rejectedBecause.contains("still answers"), "\(node.rejectedBecause)")
    }

    @Test("network-lag (Raft lag and commit latency up, local disk normal) → network-lag; a low-space store is a distractor")
    func networkLag() async throws {
        let s = B.snapshot(stores: [
            B.store(1), B.store(2, p99: 0.35, lag: 9000, commit: 0.3), B.store(3, availableRatio: 0.1),
        ])
        let scenario = Scenario(snapshot: s)
        let root = key("raft-lag@store:2")
        #expect(Set(scenario.members(of: root)) == [root, key("latency-high@store:2")])
        let d = await scenario.diagnose(root: root)
        #expect(d.rootCause.category == "network-lag")
        #expect(d.rootCause.entity == "store:2")
        let slow = try #require(d.alternatives.first { $0.hypothesis.hasPrefix("slow-disk") })
        #expect(slow.rejectedBecause.contains("slow score 1"))
        let overload = try #require(d.alternatives.first { $0.hypothesis.hasPrefix("overload") })
        #expect(overload.rejectedBecause.contains("QPS 300"), "\(overload.rejectedBecause)")
    }

    @Test("write-stall (stall series, ServerIsBusy, store Up) → write-stall on that store; its latency joins; a slow disk elsewhere stays separate")
    func writeStall() async throws {
        let s = B.snapshot(stores: [
            B.store(1, p99: 1.1, slowScore: 95, append: 0.45, commit: 0.6, apply: 0.35),
            B.store(2, p99: 2.4, apply: 0.03, writeStall: 3.5, stallReason: "level0_file_limit_slowdown", busy: 54),
            B.store(3),
        ])
        let scenario = Scenario(snapshot: s)
        let root = key("write-stall@store:2")
        #expect(Set(scenario.members(of: root)) == [root, key("latency-high@store:2")])
        #expect(scenario.roots[key("slow-store@store:1")] == key("slow-store@store:1"), "the slow disk elsewhere is its own incident")
        let d = await scenario.diagnose(root: root)
        #expect(d.rootCause.category == "write-stall")
        #expect(d.rootCause.entity == "store:2")
        #expect(d.rootCause.explanation.contains("level0_file_limit_slowdown"), "\(d.rootCause.explanation)")
        #expect(d.claims.contains { $0.text.contains("stalling writes while PD reports it Up") })
        let slow = try #require(d.alternatives.first { $0.hypothesis.hasPrefix("slow-disk") })
        #expect(slow.rejectedBecause.contains("store 2 slow score 1"), "\(slow.rejectedBecause)")
        // The slow disk's own incident is not taken for a stall: store 1's stall series reads 0.
        let other = await scenario.diagnose(root: key("slow-store@store:1"))
        #expect(other.rootCause.category == "slow-disk")
        let stall = try #require(other.alternatives.first { $0.hypothesis.hasPrefix("write-stall") })
        #expect(stall.rejectedBecause.contains("write stall p99 0 s"), "\(stall.rejectedBecause)")
    }

    @Test("restart-loop (restarts counted across ticks) → restart-loop on that store, down or up; its store-down joins; a low-space store elsewhere stays separate")
    func restartLoop() async throws {
        let down = B.snapshot(stores: [
            B.store(1, availableRatio: 0.1), B.store(2, state: "Disconnected", reachable: false, restarts: 3), B.store(3),
        ])
        let scenario = Scenario(snapshot: down)
        let root = key("restart-loop@store:2")
        #expect(Set(scenario.members(of: root)) == [root, key("store-down@store:2")])
        #expect(scenario.roots[key("store-low-space@store:1")] == key("store-low-space@store:1"))
        // The incident may have opened on the store-down ticket before the second restart was seen.
        for incidentRoot in [root, key("store-down@store:2")] {
            let d = await scenario.diagnose(root: incidentRoot)
            #expect(d.rootCause.category == "restart-loop", "\(incidentRoot): \(d.summary)")
            #expect(d.rootCause.entity == "store:2")
            #expect(d.claims.contains { $0.text == "store 2 started again 3 times within 10m" }, "\(d.claims.map(\.text))")
            let nodeDown = try #require(d.alternatives.first { $0.hypothesis.hasPrefix("node-down") })
            #expect(nodeDown.rejectedBecause.contains("restart loop"), "\(nodeDown.rejectedBecause)")
        }
        // Up between two deaths: still the loop.
        let up = Scenario(snapshot: B.snapshot(stores: [B.store(1), B.store(2, restarts: 2), B.store(3)]))
        let d = await up.diagnose(root: root)
        #expect(d.rootCause.category == "restart-loop")
        #expect(d.claims.contains { $0.text == "PD reports it Up now" })
        // One restart is not a loop: a plain store-down stays node-down.
        let once = Scenario(snapshot: B.snapshot(stores: [B.store(1), B.store(2, state: "Disconnected", reachable: false, restarts: 1), B.store(3)]))
        let single = await once.diagnose(root: key("store-down@store:2"))
        #expect(single.rootCause.category == "node-down")
    }

    @Test("a live store PD does not hear from, PD healthy → network-partition; during a PD outage the same store is PD's victim")
    func networkPartition() async throws {
        let s = B.snapshot(stores: [
            B.store(1, qps: 500, leaders: 30), B.store(2, state: "Disconnected", reachable: true, qps: 0, leaders: 0),
            B.store(3, qps: 500, leaders: 30),
        ])
        let scenario = Scenario(snapshot: s)
        let root = key("store-isolated@store:2")
        #expect(!scenario.violations.contains { $0.invariant == "store-down" }, "a store that answers is not down")
        let d = await scenario.diagnose(root: root)
        #expect(d.rootCause.category == "network-partition", "\(d.summary)")
        #expect(d.rootCause.entity == "store:2")
        #expect(d.claims.contains { $0.text == "PD leader pd1 is elected and serves the other stores" }, "\(d.claims.map(\.text))")
        let nodeDown = try #require(d.alternatives.first { $0.hypothesis.hasPrefix("node-down") })
        #expect(nodeDown.rejectedBecause.contains("process is alive"), "\(nodeDown.rejectedBecause)")
        // PD without a leader: the same picture is PD's outage, not a partition.
        let outage = Scenario(snapshot: B.snapshot(
            stores: [B.store(1), B.store(2, state: "Disconnected", reachable: true), B.store(3)], leader: nil, previousLeader: "pd1",
            unhealthyPD: ["pd1"]))
        let o = await outage.diagnose(root: key("pd-unhealthy@pd:pd1"))
        #expect(o.rootCause.category == "control-plane-down")
        let partition = try #require(o.alternatives.first { $0.hypothesis.hasPrefix("network-partition") })
        #expect(partition.rejectedBecause.contains("PD itself lost its leader"), "\(partition.rejectedBecause)")
    }

    @Test("slow-store as PD reports it (score 100, leaders evicted, own disk latency normal) → slow-store; the leader imbalance joins; a slow disk stays slow-disk")
    func slowStore() async throws {
        let s = B.snapshot(stores: [
            B.store(1, leaders: 30), B.store(2, qps: 0, slowScore: 100, leaders: 0, regions: 60), B.store(3, leaders: 30),
        ])
        let scenario = Scenario(snapshot: s)
        let root = key("slow-store@store:2")
        #expect(Set(scenario.members(of: root)) == [root, key("leader-imbalance@cluster")])
        let d = await scenario.diagnose(root: root)
        #expect(d.rootCause.category == "slow-store", "\(d.summary)")
        #expect(d.rootCause.entity == "store:2")
        #expect(d.claims.contains { $0.text.contains("do not show a slow disk") }, "\(d.claims.map(\.text))")
        let disk = try #require(d.alternatives.first { $0.hypothesis.hasPrefix("slow-disk") })
        #expect(disk.hypothesis.contains("slow score 100"), "\(disk.hypothesis)")
        // The disk numbers name the cause when they are up: slow-disk, even after an eviction.
        let slowDisk = Scenario(snapshot: B.snapshot(stores: [
            B.store(1, leaders: 30), B.store(2, p99: 1.2, slowScore: 100, append: 0.45, commit: 0.6, apply: 0.35, leaders: 0),
            B.store(3, leaders: 30),
        ]))
        let e = await slowDisk.diagnose(root: root)
        #expect(e.rootCause.category == "slow-disk")
    }

    @Test("PD's leadership moving again and again among healthy members → pd-leader-switch; a gap between leaders is not an outage; one failover stays control-plane-down")
    func pdLeaderSwitch() async throws {
        let moving = Scenario(snapshot: B.snapshot(leader: "pd2", leaderMoves: ["pd3", "pd2", "pd3", "pd2"]))
        let root = key("pd-leader-switching@cluster")
        let d = await moving.diagnose(root: root)
        #expect(d.rootCause.category == "pd-leader-switch", "\(d.summary)")
        #expect(d.rootCause.entity == .cluster)
        #expect(d.claims.map(\.text) == ["PD's leadership moved 4 times within 10m", "pd2 leads now", "all 3 members pass PD's health check"])
        // Caught between two leaders: PD has none this instant, yet every member answers.
        let gap = Scenario(snapshot: B.snapshot(leader: nil, previousLeader: "pd3", leaderMoves: ["pd3", "pd2", "pd3"]))
        #expect(Set(gap.members(of: root)) == [root, key("pd-unhealthy@cluster")])
        let g = await gap.diagnose(root: root)
        #expect(g.rootCause.category == "pd-leader-switch")
        let outage = try #require(g.alternatives.first { $0.hypothesis.hasPrefix("control-plane-down") })
        #expect(outage.rejectedBecause.contains("a gap between leaders"), "\(outage.rejectedBecause)")
        // The failover after a dead leader is one move: control-plane-down on the member that died.
        let failover = Scenario(snapshot: B.snapshot(leader: "pd2", previousLeader: "pd3", unhealthyPD: ["pd3"], leaderMoves: ["pd2"]))
        let f = await failover.diagnose(root: key("pd-unhealthy@pd:pd3"))
        #expect(f.rootCause.category == "control-plane-down")
    }

    @Test("pending peers that stay (PD's pending-peer count, one store's snapshots stuck applying, all stores up) → pending-peers on that store; replication-degraded joins it")
    func pendingPeers() async throws {
        let s = B.snapshot(
            stores: [B.store(1, leaders: 30), B.store(2, leaders: 0, applying: 8), B.store(3, leaders: 30)],
            regionCounts: [.pendingPeer: 45])
        let scenario = Scenario(snapshot: s)
        let root = key("pending-peers@store:2")
        #expect(Set(scenario.members(of: root)) == [root, key("replication-degraded@cluster"), key("leader-imbalance@cluster")])
        let d = await scenario.diagnose(root: root)
        #expect(d.rootCause.category == "pending-peers", "\(d.summary)")
        #expect(d.rootCause.entity == "store:2")
        #expect(d.claims.map(\.text) == ["store 2 applying 8 snapshot(s) while PD lists 45 pending-peer region(s)", "every store is up"])
        let replication = try #require(d.alternatives.first { $0.hypothesis.hasPrefix("replication-degraded") })
        #expect(replication.hypothesis.contains("45 pending-peer"), "\(replication.hypothesis)")
    }

    @Test("a store with 24500 regions, raftstore near its pool, CPU and latency up → too-many-regions on that store; its CPU and latency join it")
    func tooManyRegions() async throws {
        let s = B.snapshot(stores: [
            B.store(1, regions: 9_000), B.store(2, p99: 0.4, cpu: 3.6, regions: 24_500, raftstore: 1.8, proposeWait: 0.12), B.store(3, regions: 9_000),
        ])
        let scenario = Scenario(snapshot: s)
        let root = key("region-count-high@store:2")
        #expect(Set(scenario.members(of: root)) == [root, key("cpu-high@store:2"), key("latency-high@store:2")])
        let d = await scenario.diagnose(root: root)
        #expect(d.rootCause.category == "too-many-regions", "\(d.summary)")
        #expect(d.rootCause.entity == "store:2")
        #expect(d.claims.map(\.text) == [
            "store 2 holds 24500 regions (above 20000 when too many) vs peers' median 9000",
            "raftstore on store 2 uses 1.8 cores, 90% of a 2-thread pool (the inspection rule flags above 80 %)",
            "proposals on store 2 wait 120ms at p99 for raftstore",
            "store 2 is up",
        ])
        let actions = d.recommendedActions.map(\.action)
        #expect(actions.contains { $0.contains("hibernate-regions") }, "\(actions)")
        #expect(actions.contains { $0.contains("max-merge-region-size") }, "\(actions)")
        #expect(actions.contains { $0.contains("scale out") }, "\(actions)")
        #expect(d.alternatives.contains { $0.hypothesis.hasPrefix("overload") }, "a client surge is weighed and rejected")
    }

    @Test("leader imbalance with every store up → leader-imbalance on the cluster")
    func leaderImbalance() async throws {
        let s = B.snapshot(stores: [B.store(1, leaders: 50), B.store(2, leaders: 5), B.store(3, leaders: 5)])
        let d = await Scenario(snapshot: s).diagnose(root: key("leader-imbalance@cluster"))
        #expect(d.rootCause.category == "leader-imbalance")
        #expect(d.rootCause.entity == .cluster)
    }

    @Test("every rule answers on every context, and losers say why with values")
    func everyRuleAnswers() async throws {
        let s = B.snapshot(stores: [B.store(1, state: "Disconnected", reachable: false), B.store(2), B.store(3)])
        let d = await Scenario(snapshot: s).diagnose(root: key("store-down@store:1"))
        #expect(d.alternatives.count == TiKVKnowledge().rules.count - 1)
        for alternative in d.alternatives {
            #expect(!alternative.rejectedBecause.isEmpty)
            #expect(alternative.rejectedBecause.contains { $0.isNumber } || alternative.rejectedBecause.contains("store"),
                "\(alternative.hypothesis): \(alternative.rejectedBecause)")
        }
    }

    @Test("evidence: stable signal names, notes for what is missing, a bounded topology")
    func evidence() async throws {
        var s = B.snapshot(stores: [B.store(1), B.store(2, state: "Down", reachable: false), B.store(3)])
        s.regionsError = nil
        let evidence = await TiKVKnowledge().gatherEvidence(
            for: EvidenceRequest(rootEntity: "store:2", tickets: [], window: DateInterval(start: s.observedAt, duration: 60)),
            snapshot: s)
        let names = Set(evidence.signals.map(\.name))
        #expect(names.isSuperset(of: [
            "store.state", "store.available_ratio", "store.p99_seconds", "store.qps", "store.cpu", "store.slow_score",
            "store.status_reachable", "regions.miss_peer", "regions.down_peer", "pd.leader", "pd.member_healthy",
        ]))
        #expect(evidence.signals.first { $0.name == "store.status_reachable" && $0.entity == "store:2" }?.value == false)
        #expect(evidence.notes.contains { $0.contains("no Prometheus configured") })
        #expect(evidence.notes.contains { $0.contains("store 2: no metrics") })
        #expect(evidence.topology["stores"]?.arrayValue?.count == 3)
        #expect(evidence.metrics.isEmpty)
        // Nothing to observe with: a note, not a crash.
        let none = await TiKVKnowledge().gatherEvidence(
            for: EvidenceRequest(rootEntity: .cluster, tickets: [], window: DateInterval(start: s.observedAt, duration: 60)),
            snapshot: nil)
        #expect(none.signals.isEmpty)
        #expect(!none.notes.isEmpty)
    }
}
