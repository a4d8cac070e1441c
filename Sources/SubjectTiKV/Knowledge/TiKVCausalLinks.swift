import OperatorCore

/// Which TiKV violation explains which. The core takes the first link naming an effect, so links are
/// emitted most specific first: a cause on the same store before a cause elsewhere.
enum TiKVCausalLinks {
    static func links(among violations: [Violation], in snapshot: TiKVSnapshot) -> [CausalLink] {
        let keys = violations.map(\.key)
        func on(_ invariant: String) -> [ViolationKey] { keys.filter { $0.invariant == invariant }.sorted() }
        let storeDown = on("store-down")
        let slowStore = on("slow-store")
        let cpuHigh = on("cpu-high")
        let raftLag = on("raft-lag")
        let pdUnhealthy = on("pd-unhealthy")
        let writeStall = on("write-stall")
        let restartLoop = on("restart-loop")
        let storeIsolated = on("store-isolated")
        let pdSwitching = on("pd-leader-switching")
        let pendingPeers = on("pending-peers")
        let regionCountHigh = on("region-count-high")
        var links: [CausalLink] = []
        func link(_ cause: ViolationKey, _ effect: ViolationKey, _ reason: String) {
            guard cause != effect else { return }
            links.append(CausalLink(cause: cause, effect: effect, reason: reason))
        }

        // 1. Same-store causes of a store's symptoms.
        for cause in slowStore {
            for effect in keys where effect.entity == cause.entity && ["latency-high", "raft-lag"].contains(effect.invariant) {
                link(cause, effect, "a slow disk on \(cause.entity) slows its requests and Raft log")
            }
        }
        for cause in slowStore {
            for effect in writeStall where effect.entity == cause.entity {
                link(cause, effect, "compaction on \(cause.entity)'s slow disk falls behind, so RocksDB stalls writes")
            }
        }
        // PD's evict-slow-store-scheduler empties a slow store of leaders: the imbalance is its doing.
        for cause in slowStore {
            guard let store = snapshot.store(for: cause.entity), let leaders = store.leaders, leaders == 0 else { continue }
            for effect in keys where effect.entity == .cluster && effect.invariant == "leader-imbalance" {
                link(cause, effect, "PD moved every leader off the slow \(cause.entity)")
            }
        }
        // Tens of thousands of raft groups keep raftstore busy ticking them: the store's CPU and its requests' wait.
        for cause in regionCountHigh {
            for effect in keys where effect.entity == cause.entity && ["cpu-high", "latency-high", "raft-lag"].contains(effect.invariant) {
                link(cause, effect, "raftstore on \(cause.entity) spends its pool on the ticks and heartbeats of its regions")
            }
        }
        for cause in writeStall {
            for effect in keys where effect.entity == cause.entity && ["latency-high", "raft-lag"].contains(effect.invariant) {
                link(cause, effect, "RocksDB on \(cause.entity) holds its writes, so its requests wait")
            }
        }
        for cause in cpuHigh {
            for effect in keys where effect.entity == cause.entity && effect.invariant == "latency-high" {
                link(cause, effect, "\(cause.entity) is CPU-saturated, so its requests queue")
            }
        }
        for cause in raftLag {
            for effect in keys where effect.entity == cause.entity && effect.invariant == "latency-high" {
                link(cause, effect, "writes on \(cause.entity) wait for lagging Raft followers")
            }
        }

        // 1b. PD's leader keeps moving: the spans without a leader between moves are its doing.
        for cause in pdSwitching {
            for effect in pdUnhealthy + storeIsolated {
                link(cause, effect, "PD's leadership keeps moving; between two leaders nobody serves")
            }
        }

        // 2. A PD outage makes live stores look disconnected (their heartbeats have nowhere to go).
        let pdRoot = pdUnhealthy.first { key in
            guard let name = key.entity.id, key.entity.kind == "pd" else { return false }
            return snapshot.pd.leader == name || snapshot.pd.previousLeader == name || snapshot.pd.leader == nil
        }
        if let pdRoot {
            for effect in storeDown + storeIsolated {
                if let store = snapshot.store(for: effect.entity), store.statusReachable == true {
                    link(pdRoot, effect, "\(effect.entity) still answers; PD lost its heartbeats while \(pdRoot.entity) was down")
                }
            }
        }

        // 3b. A store whose peers do not catch up keeps its regions pending and cannot lead them.
        for cause in pendingPeers {
            for effect in keys where effect.entity == .cluster && ["replication-degraded", "leader-imbalance"].contains(effect.invariant) {
                link(cause, effect, "the regions with a replica on \(cause.entity) wait for it to catch up, and it cannot lead them")
            }
        }

        // 3a. A store in a restart loop is down between its starts: it explains its own store-down and,
        // like a down store, what its absences do to the rest of the cluster.
        for cause in restartLoop {
            for effect in storeDown where effect.entity == cause.entity {
                link(cause, effect, "\(cause.entity) is down between the restarts of its loop")
            }
            for effect in keys where effect.entity == .cluster && ["replication-degraded", "leader-imbalance"].contains(effect.invariant) {
                link(cause, effect, "regions that had a replica or leader on \(cause.entity) lose it each time it dies")
            }
            for effect in keys where effect.entity != cause.entity && effect.entity.kind == "store"
                && ["latency-high", "raft-lag", "cpu-high"].contains(effect.invariant)
            {
                link(cause, effect, "\(effect.entity) takes over the load and leaders of \(cause.entity) each time it dies")
            }
        }

        // 3. A down store explains what its absence does to the rest of the cluster.
        // A store cut off from its peers is, to the rest of the cluster, as absent as a dead one.
        for cause in storeDown + storeIsolated where !links.contains(where: { $0.effect == cause }) {
            for effect in keys where effect.entity == .cluster && ["replication-degraded", "leader-imbalance"].contains(effect.invariant) {
                link(cause, effect, "regions that had a replica or leader on \(cause.entity) lost it")
            }
            for effect in keys where effect.entity != cause.entity && effect.entity.kind == "store"
                && ["latency-high", "raft-lag", "cpu-high"].contains(effect.invariant)
            {
                link(cause, effect, "\(effect.entity) took over the load and leaders of \(cause.entity)")
            }
        }

        // 4. The PD leader going down explains the rest of PD's and the cluster's trouble.
        if let pdRoot {
            for effect in pdUnhealthy where effect != pdRoot {
                link(pdRoot, effect, "\(pdRoot.entity) was the PD leader; the rest follows from losing it")
            }
            for effect in keys where effect.entity == .cluster && ["replication-degraded", "leader-imbalance"].contains(effect.invariant) {
                link(pdRoot, effect, "PD cannot schedule replicas or leaders without a healthy leader")
            }
        }
        return links
    }
}
