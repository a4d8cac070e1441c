import OperatorCore

/// `store-down`: PD no longer hears from a store (state Disconnected after 20 s without heartbeat, Down
/// after max-store-down-time; tikv-interfaces.md §1.2), or its status server does not answer. A store PD
/// does not hear from whose status server does answer is alive: that is `store-isolated`, not this.
public struct StoreDownInvariant: Invariant {
    public let id = "store-down"
    public let severity = Severity.critical
    public let summary = "every store is Up in PD and its status endpoint answers"

    public init() {}

    public func unavailableReason(in snapshot: TiKVSnapshot) -> String? {
        snapshot.storeListUnavailable
    }

    public func failedSource(in snapshot: TiKVSnapshot) -> String? { snapshot.storesError }

    public func evaluate(_ snapshot: TiKVSnapshot) -> [Violation] {
        snapshot.stores.compactMap { store in
            // Offline/Removing stores are being drained on purpose; Tombstones are gone.
            guard store.stateName != "Offline", store.stateName != "Tombstone" else { return nil }
            let unreachable = store.statusReachable == false
            guard unreachable || (store.isDisconnectedOrDown && store.statusReachable != true) else { return nil }
            var reasons: [String] = []
            if store.isDisconnectedOrDown {
                let age = store.heartbeatAgeSeconds.map { ": last heartbeat \(Format.seconds($0)) ago" } ?? ""
                reasons.append("PD reports it \(store.stateName)\(age)")
            }
            if unreachable {
                reasons.append(
                    "its status endpoint \(store.statusAddress ?? "?") does not answer"
                        + (store.statusError.map { " (\($0))" } ?? ""))
            }
            if !store.isDisconnectedOrDown {
                // What PD says is older than what the port says: name its heartbeat's age.
                let age = store.heartbeatAgeSeconds.map { ", its heartbeat is \(Format.seconds($0)) old" } ?? ""
                reasons.append("PD still reports it \(store.stateName)\(age)")
            }
            return violation(
                on: store.entity, "\(store.displayName) is down: " + reasons.joined(separator: "; "),
                excerpt: [
                    "store_id": .number(Double(store.id)), "address": JSONValue(store.address),
                    "state_name": .string(store.stateName), "heartbeat_age_seconds": JSONValue(store.heartbeatAgeSeconds),
                    "status_address": JSONValue(store.statusAddress), "status_reachable": JSONValue(store.statusReachable),
                    "status_error": JSONValue(store.statusError),
                ])
        }
    }
}
