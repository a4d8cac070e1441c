import OperatorCore

/// `store-isolated`: PD no longer hears from a store (Disconnected or Down) while its status server answers
/// this tick: the process is alive, the path between it and PD (and usually its peers) is not. A network
/// partition of a live store (tikv-at-scale.md §5 pattern 10), or PD itself lost its leader. Never
/// reported as `store-down`: a store whose process answers is not down.
public struct StoreIsolatedInvariant: Invariant {
    public let id = "store-isolated"
    public let severity = Severity.critical
    public let summary = "PD hears from every store whose status endpoint answers"

    public init() {}

    public func unavailableReason(in snapshot: TiKVSnapshot) -> String? {
        snapshot.storeListUnavailable
    }

    public func failedSource(in snapshot: TiKVSnapshot) -> String? { snapshot.storesError }

    public func evaluate(_ snapshot: TiKVSnapshot) -> [Violation] {
        snapshot.stores.compactMap { store in
            guard store.isDisconnectedOrDown, store.statusReachable == true else { return nil }
            let age = store.heartbeatAgeSeconds.map { ", last heartbeat \(Format.seconds($0)) ago" } ?? ""
            return violation(
                on: store.entity,
                "\(store.displayName) is cut off from PD: PD reports it \(store.stateName)\(age), yet its status endpoint \(store.statusAddress ?? "?") answers",
                excerpt: [
                    "store_id": .number(Double(store.id)), "state_name": .string(store.stateName),
                    "heartbeat_age_seconds": JSONValue(store.heartbeatAgeSeconds),
                    "status_address": JSONValue(store.statusAddress), "status_reachable": .bool(true),
                    "pd_leader": JSONValue(snapshot.pd.leader),
                ])
        }
    }
}
