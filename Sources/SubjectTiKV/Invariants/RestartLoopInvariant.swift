import OperatorCore

/// `restart-loop`: a store's process started again at least `minRestarts` times within the restart window
/// (an OOM kill loop, tikv-at-scale.md §5 pattern 5: `process_start_time_seconds` moves each time, the
/// `TiKV_node_restart` alert). One restart is an operator's or a crash's; several in a few minutes are a loop
/// that store-down alone would report as a store that keeps coming and going. It ends when the process has
/// stayed up for a whole window.
public struct RestartLoopInvariant: Invariant {
    public let id = "restart-loop"
    public let severity = Severity.warning
    public let summary: String
    public let minRestarts: Int

    public init(minRestarts: Int = 2) {
        self.minRestarts = minRestarts
        self.summary = "no store restarted \(minRestarts) or more times within \(Format.seconds(TiKVSnapshot.restartWindowSeconds))"
    }

    public func unavailableReason(in snapshot: TiKVSnapshot) -> String? {
        if let reason = snapshot.storeListUnavailable { return reason }
        let tikv = snapshot.stores.filter { !$0.isTiFlash }
        if !tikv.isEmpty, tikv.allSatisfy({ $0.recentRestarts == nil }) {
            return "restarts are counted between observations; this is the first one"
        }
        return nil
    }

    public func failedSource(in snapshot: TiKVSnapshot) -> String? { snapshot.storesError }

    public func evaluate(_ snapshot: TiKVSnapshot) -> [Violation] {
        snapshot.stores.compactMap { store in
            guard let restarts = store.recentRestarts, restarts >= minRestarts else { return nil }
            // A loop is over once the process has stayed up for a whole window since its last start (PD's uptime,
            // on the cluster's own clock): the restarts counted are history then, not a loop in progress.
            if !store.isDisconnectedOrDown, store.statusReachable != false, let up = store.uptimeSeconds,
                up >= TiKVSnapshot.restartWindowSeconds
            {
                return nil
            }
            return violation(
                on: store.entity,
                "\(store.displayName) restarted \(restarts) times within \(Format.seconds(TiKVSnapshot.restartWindowSeconds)); PD reports it \(store.stateName) now",
                excerpt: [
                    "store_id": .number(Double(store.id)), "recent_restarts": .number(Double(restarts)),
                    "window_seconds": .number(TiKVSnapshot.restartWindowSeconds), "state": .string(store.stateName),
                    "process_start_time_seconds": JSONValue(store.metrics?.processStartTimeSeconds),
                    "uptime_seconds": JSONValue(store.uptimeSeconds),
                ])
        }
    }
}
