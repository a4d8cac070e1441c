import OperatorCore

/// `write-stall`: RocksDB is stalling a running store's writes: `tikv_engine_write_stall` (p99, the worst db)
/// is above zero. TiKV's own `TiKV_write_stall` alert fires on any change of the series
/// (tikv-interfaces.md §5; tikv-at-scale.md §5 pattern 4). The store stays Up, so this is not a down store:
/// it is a store whose writes wait on compaction.
public struct WriteStallInvariant: Invariant {
    public let id = "write-stall"
    public let severity = Severity.warning
    public let summary = "no store's RocksDB is stalling writes (tikv_engine_write_stall p99 is 0)"

    public init() {}

    public func unavailableReason(in snapshot: TiKVSnapshot) -> String? {
        if let reason = snapshot.storeListUnavailable { return reason }
        if let e = snapshot.metricsError { return "store metrics are unavailable: \(e)" }
        let measured = snapshot.servingStores.filter { $0.metrics != nil }
        if !measured.isEmpty, measured.allSatisfy({ $0.metrics?.writeStallP99Seconds == nil }) {
            return "no store's metrics carry tikv_engine_write_stall{type=\"write_stall_percentile99\"}"
        }
        return nil
    }

    public func failedSource(in snapshot: TiKVSnapshot) -> String? {
        snapshot.storesError ?? snapshot.metricsError
    }

    public func evaluate(_ snapshot: TiKVSnapshot) -> [Violation] {
        snapshot.stores.compactMap { store in
            guard !store.isDisconnectedOrDown, let m = store.metrics, let stall = m.writeStallP99Seconds, stall > 0 else { return nil }
            var detail: [String] = []
            if let reason = m.writeStallReason { detail.append("cause \(reason)") }
            if let busy = m.schedulerBusyPerSecond, busy > 0 { detail.append(String(format: "%.0f writes/s rejected as ServerIsBusy", busy)) }
            return violation(
                on: store.entity,
                "\(store.displayName) RocksDB is stalling writes: write stall p99 \(Format.seconds(stall))"
                    + (detail.isEmpty ? "" : "; " + detail.joined(separator: ", ")),
                excerpt: [
                    "store_id": .number(Double(store.id)), "write_stall_p99_seconds": .number(stall),
                    "write_stall_reason": JSONValue(m.writeStallReason),
                    "scheduler_busy_per_second": JSONValue(m.schedulerBusyPerSecond),
                    "state": .string(store.stateName),
                ])
        }
    }
}
