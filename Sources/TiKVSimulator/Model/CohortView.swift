/// The peers, leader and health that all regions of one cohort share at one instant.
struct CohortView: Sendable {
    struct Peer: Sendable {
        /// Replica slot in the region (0 ..< replicas).
        let slot: Int
        let storeIndex: Int
        /// Added by PD on another store after the slot's own store was removed.
        let isReplacement: Bool
        let phase: PeerPhase
    }

    let cohort: Int
    /// Current voters, in slot order.
    let peers: [Peer]
    /// Index into `peers` of the leader PD knows of.
    let leaderPosition: Int
    let missingPeers: Int

    var leader: Peer { peers[leaderPosition] }
    var isMissPeer: Bool { missingPeers > 0 }
    var hasDownPeer: Bool { peers.contains { if case .down = $0.phase { return true } else { return false } } }
    var hasPendingPeer: Bool { peers.contains { $0.phase.isPending } }
    /// Peers changed since bootstrap (removed or replaced): bumps `conf_ver`.
    var confChanges: Int { peers.filter(\.isReplacement).count * 2 + missingPeers }

    /// Derives the cohort's state from its stores' timelines at `time`.
    static func compute(
        cohort: Int, layout: RegionLayout, stores: [StoreTimeline], at time: SimInstant,
        maxStoreDownTime: SimSpan, maxPeerDownDuration: SimSpan
    ) -> CohortView {
        let column = layout.column(ofCohort: cohort)
        let preferred = layout.preferredSlot(ofCohort: cohort)
        let baseStores = (0..<layout.replicas).map { layout.storeIndex(column: column, slot: $0) }
        var used = Set(baseStores)
        var peers: [Peer] = []
        var missing = layout.desiredReplicas - layout.replicas
        for slot in 0..<layout.replicas {
            let store = stores[baseStores[slot]]
            let phase = store.peerPhase(at: time, maxStoreDownTime: maxStoreDownTime, maxPeerDownDuration: maxPeerDownDuration)
            if phase != .removed {
                peers.append(Peer(slot: slot, storeIndex: store.index, isReplacement: false, phase: phase))
                continue
            }
            // PD replaces a removed peer on a store that was alive when it acted and holds no
            // replica of the region yet; with no such store the region stays short (miss-peer).
            let removal = store.peerRemovalTime(maxStoreDownTime: maxStoreDownTime) ?? time
            var replaced = false
            for step in 1..<max(1, layout.storeCount) {
                let candidate = stores[(store.index + step) % layout.storeCount]
                guard !used.contains(candidate.index), candidate.wasAlive(at: removal) else { continue }
                let candidatePhase = candidate.peerPhase(
                    at: time, maxStoreDownTime: maxStoreDownTime, maxPeerDownDuration: maxPeerDownDuration)
                guard candidatePhase != .removed else { continue }
                used.insert(candidate.index)
                peers.append(Peer(slot: slot, storeIndex: candidate.index, isReplacement: true, phase: candidatePhase))
                replaced = true
                break
            }
            if !replaced { missing += 1 }
        }
        if peers.isEmpty {
            // Every replica removed: PD keeps the region with its last leader; report it as-is.
            let store = stores[baseStores[preferred]]
            peers.append(Peer(slot: preferred, storeIndex: store.index, isReplacement: false, phase: .down(since: store.downSince ?? time)))
            missing = layout.desiredReplicas - 1
        }
        return CohortView(
            cohort: cohort, peers: peers,
            leaderPosition: leaderPosition(peers: peers, preferredSlot: preferred, stores: stores, at: time),
            missingPeers: max(0, missing))
    }

    /// Raft leadership: the preferred replica if it can lead, else the next one that can — but a
    /// new leader needs a quorum of live voters; without one PD keeps reporting the old leader.
    private static func leaderPosition(peers: [Peer], preferredSlot: Int, stores: [StoreTimeline], at time: SimInstant) -> Int {
        let order = peers.indices.sorted { lhs, rhs in
            let l = (peers[lhs].slot - preferredSlot + 16) % 16
            let r = (peers[rhs].slot - preferredSlot + 16) % 16
            return l < r
        }
        let live = peers.filter { stores[$0.storeIndex].isProcessUp(at: time) }.count
        let first = order[0]
        guard live * 2 > peers.count else { return first }
        if let capable = order.first(where: { stores[peers[$0].storeIndex].canLead(at: time) }) { return capable }
        return order.first(where: { stores[peers[$0].storeIndex].isProcessUp(at: time) }) ?? first
    }
}
