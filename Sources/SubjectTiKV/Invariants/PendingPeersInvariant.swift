import OperatorCore

/// `pending-peers`: PD lists regions with a pending peer while a running store holds snapshots it is still
/// applying (`tikv_raftstore_snapshot_traffic_total{type="applying"}` above 0): that store's peers are not
/// catching up (tikv-at-scale.md §5 pattern 9). Diagnosed from the API, cross-checked against the metric, as
/// the reference advises; a store that answers nothing is store-down's, not this.
public struct PendingPeersInvariant: Invariant {
    public let id = "pending-peers"
    public let severity = Severity.warning
    public let summary = "no running store holds pending peers with snapshots stuck applying"

    public init() {}

    public func unavailableReason(in snapshot: TiKVSnapshot) -> String? {
        if let reason = snapshot.storeListUnavailable { return reason }
        if snapshot.regions?.count(.pendingPeer) == nil { return "PD's pending-peer count is unavailable: \(snapshot.regionsError ?? "not read")" }
        return nil
    }

    public func failedSource(in snapshot: TiKVSnapshot) -> String? { snapshot.storesError }

    public func evaluate(_ snapshot: TiKVSnapshot) -> [Violation] {
        guard let pending = snapshot.regions?.count(.pendingPeer), pending > 0 else { return [] }
        return snapshot.stores.compactMap { store in
            guard store.stateName == "Up", let applying = store.metrics?.snapshotsApplying, applying > 0 else { return nil }
            return violation(
                on: store.entity,
                "\(store.displayName) is applying \(Format.number(applying)) snapshot(s) while PD lists \(pending) region(s) with a pending peer",
                excerpt: [
                    "store_id": .number(Double(store.id)), "snapshots_applying": .number(applying),
                    "pending_peer_regions": .number(Double(pending)), "state": .string(store.stateName),
                ])
        }
    }
}
