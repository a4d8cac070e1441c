import OperatorCore

/// `store-low-space`: available / capacity below the threshold, as the official TiKV_low_space alert
/// computes it from `tikv_store_size_bytes` (PD's store status when metrics are missing).
public struct StoreLowSpaceInvariant: Invariant {
    public let id = "store-low-space"
    public let severity = Severity.warning
    public let summary: String
    public let lowSpaceRatio: Double

    public init(lowSpaceRatio: Double) {
        self.lowSpaceRatio = lowSpaceRatio
        self.summary = "every store has at least \(Format.percent(lowSpaceRatio)) of its capacity available"
    }

    public func unavailableReason(in snapshot: TiKVSnapshot) -> String? {
        if let reason = snapshot.storeListUnavailable { return reason }
        if !snapshot.stores.isEmpty, snapshot.stores.allSatisfy({ $0.availableRatio == nil }) {
            return "no store reports capacity and available bytes (metrics: \(snapshot.metricsError ?? "missing"))"
        }
        return nil
    }

    public func failedSource(in snapshot: TiKVSnapshot) -> String? {
        snapshot.storesError ?? snapshot.metricsError
    }

    public func evaluate(_ snapshot: TiKVSnapshot) -> [Violation] {
        snapshot.stores.compactMap { store in
            guard let ratio = store.availableRatio, ratio < lowSpaceRatio else { return nil }
            let fromMetrics = store.metrics?.availableRatio != nil
            let available = fromMetrics ? store.metrics?.availableBytes : store.availableBytes
            let capacity = fromMetrics ? store.metrics?.capacityBytes : store.capacityBytes
            return violation(
                on: store.entity,
                "\(store.displayName) has \(Format.percent(ratio)) of its disk available "
                    + "(\(available.map(Format.bytes) ?? "?") of \(capacity.map(Format.bytes) ?? "?"); "
                    + "threshold \(Format.percent(lowSpaceRatio)))",
                excerpt: [
                    "store_id": .number(Double(store.id)), "available_ratio": .number(ratio),
                    "available_bytes": JSONValue(available), "capacity_bytes": JSONValue(capacity),
                    "source": .string(fromMetrics ? "tikv_store_size_bytes" : "/pd/api/v1/stores"),
                    "threshold": .number(lowSpaceRatio),
                ],
                // Below a quarter of the threshold (5 % by default) writes are about to be rejected.
                severity: ratio < lowSpaceRatio / 4 ? .critical : nil)
        }
    }
}
