import OperatorCore

/// `raft-lag`: the p99 of `tikv_raftstore_log_lag` on a store (entries its followers are behind, observed on
/// its leaders) above the threshold — the official TiKV_raft_log_lag alert (> 5000).
public struct RaftLagInvariant: Invariant {
    public let id = "raft-lag"
    public let severity = Severity.warning
    public let summary: String
    public let thresholdEntries: Double

    public init(thresholdEntries: Double) {
        self.thresholdEntries = thresholdEntries
        self.summary = "every store's Raft log lag p99 is at most \(Format.number(thresholdEntries)) entries"
    }

    public func unavailableReason(in snapshot: TiKVSnapshot) -> String? {
        if let reason = snapshot.storeListUnavailable { return reason }
        if let e = snapshot.metricsError { return "store metrics are unavailable: \(e)" }
        if !snapshot.servingStores.isEmpty, snapshot.servingStores.allSatisfy({ $0.metrics?.raftLogLagP99 == nil }) {
            return "no store has Raft log lag observations in the window yet"
        }
        return nil
    }

    public func failedSource(in snapshot: TiKVSnapshot) -> String? {
        snapshot.storesError ?? snapshot.metricsError
    }

    public func evaluate(_ snapshot: TiKVSnapshot) -> [Violation] {
        snapshot.stores.compactMap { store in
            guard let lag = store.metrics?.raftLogLagP99, lag > thresholdEntries else { return nil }
            return violation(
                on: store.entity,
                "\(store.displayName) Raft log lag p99 is \(Format.number(lag.rounded())) entries (threshold \(Format.number(thresholdEntries)))",
                excerpt: [
                    "store_id": .number(Double(store.id)), "raft_log_lag_p99": .number(lag),
                    "commit_log_p99_seconds": JSONValue(store.metrics?.commitLogP99Seconds),
                    "threshold_entries": .number(thresholdEntries),
                ])
        }
    }
}
