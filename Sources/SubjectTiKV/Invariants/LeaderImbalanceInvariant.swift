import OperatorCore

/// `leader-imbalance`: among serving TiKV stores (Up, not TiFlash, leader weight > 0), one holds far more or
/// far fewer Raft leaders than the mean, so its share of client load is skewed.
public struct LeaderImbalanceInvariant: Invariant {
    public let id = "leader-imbalance"
    public let severity = Severity.warning
    public let summary: String
    public let ratio: Double
    public let minMeanLeaders: Double

    public init(ratio: Double, minMeanLeaders: Double) {
        self.ratio = ratio
        self.minMeanLeaders = minMeanLeaders
        self.summary = "no serving store's leader count is more than \(Format.percent(ratio)) off the mean"
    }

    func candidates(_ snapshot: TiKVSnapshot) -> [(store: StoreView, leaders: Double)] {
        snapshot.servingStores.compactMap { s in
            guard (s.leaderWeight ?? 1) > 0, let l = s.leaders else { return nil }
            return (s, l)
        }
    }

    public func unavailableReason(in snapshot: TiKVSnapshot) -> String? {
        if let reason = snapshot.storeListUnavailable { return reason }
        return nil
    }

    public func failedSource(in snapshot: TiKVSnapshot) -> String? { snapshot.storesError }

    public func evaluate(_ snapshot: TiKVSnapshot) -> [Violation] {
        let stores = candidates(snapshot)
        guard stores.count >= 2 else { return [] }
        let mean = stores.reduce(0) { $0 + $1.leaders } / Double(stores.count)
        guard mean >= minMeanLeaders, mean > 0 else { return [] }
        let off = stores.filter { abs($0.leaders - mean) / mean > ratio }
        guard !off.isEmpty else { return [] }
        let worst = off.max { abs($0.leaders - mean) < abs($1.leaders - mean) }
        let text = off.sorted { $0.store.id < $1.store.id }.map {
            "store \($0.store.id) has \(Format.number($0.leaders))"
        }
        var counts: [String: JSONValue] = [:]
        for s in stores { counts[String(s.store.id)] = .number(s.leaders) }
        return [
            violation(
                on: .cluster,
                "leaders are unbalanced: " + text.joined(separator: ", ")
                    + " against a mean of \(Format.number(mean.rounded())) per serving store",
                excerpt: [
                    "leader_counts": .object(counts), "mean": .number(mean), "ratio_threshold": .number(ratio),
                    "most_off_store": JSONValue(worst.map { "store:\($0.store.id)" }),
                ])
        ]
    }
}
