import OperatorCore

/// `slow-store`: PD's slow_score (or the store's `tikv_raftstore_slow_score`) at or above the threshold; PD
/// itself treats ≥ 80 as slow (`slowStoreThreshold`, tikv-interfaces.md §1.2).
public struct SlowStoreInvariant: Invariant {
    public let id = "slow-store"
    public let severity = Severity.warning
    public let summary: String
    public let threshold: Double

    public init(threshold: Double) {
        self.threshold = threshold
        self.summary = "every store's slow score is below \(Format.number(threshold))"
    }

    public func unavailableReason(in snapshot: TiKVSnapshot) -> String? {
        if let reason = snapshot.storeListUnavailable { return reason }
        if !snapshot.servingStores.isEmpty, snapshot.servingStores.allSatisfy({ $0.slowScore == nil }) {
            return "no store reports a slow score (PD slow_score or tikv_raftstore_slow_score)"
        }
        return nil
    }

    public func failedSource(in snapshot: TiKVSnapshot) -> String? { snapshot.storesError }

    public func evaluate(_ snapshot: TiKVSnapshot) -> [Violation] {
        snapshot.stores.compactMap { store in
            guard !store.isDisconnectedOrDown, let score = store.slowScore, score >= threshold else { return nil }
            let m = store.metrics
            var detail: [String] = []
            if let a = m?.appendLogP99Seconds { detail.append("append p99 \(Format.seconds(a))") }
            if let c = m?.commitLogP99Seconds { detail.append("commit p99 \(Format.seconds(c))") }
            if let a = m?.applyLogP99Seconds { detail.append("apply p99 \(Format.seconds(a))") }
            return violation(
                on: store.entity,
                "\(store.displayName) is slow: slow score \(Format.number(score)) (threshold \(Format.number(threshold)))"
                    + (detail.isEmpty ? "" : "; " + detail.joined(separator: ", ")),
                excerpt: [
                    "store_id": .number(Double(store.id)), "slow_score": .number(score),
                    "source": .string(store.pdSlowScore != nil ? "pd slow_score" : "tikv_raftstore_slow_score"),
                    "append_log_p99_seconds": JSONValue(m?.appendLogP99Seconds),
                    "commit_log_p99_seconds": JSONValue(m?.commitLogP99Seconds),
                    "apply_log_p99_seconds": JSONValue(m?.applyLogP99Seconds),
                ])
        }
    }
}
