import OperatorCore

/// `region-count-high`: a running store holds more regions than `region_count_max` (TiDB's inspection rule:
/// 20000 per store, tikv-at-scale.md §5 pattern 12). Every region is a raft group raftstore ticks and
/// heartbeats, so the message carries the raftstore CPU against its pool and the other stores' median when
/// known. PD's `region_count` is read first, the store's `tikv_raftstore_region_count{type="region"}` when
/// PD gives none.
public struct RegionCountHighInvariant: Invariant {
    public let id = "region-count-high"
    public let severity = Severity.warning
    public let summary: String
    public let max: Double

    /// TiKV's default `raftstore.store-pool-size`: the pool raftstore CPU is measured against.
    public static let defaultRaftstorePoolSize = 2.0

    public init(max: Double) {
        self.max = max
        self.summary = "every running store holds at most \(Format.number(max)) regions"
    }

    public func unavailableReason(in snapshot: TiKVSnapshot) -> String? {
        if let reason = snapshot.storeListUnavailable { return reason }
        return nil
    }

    public func failedSource(in snapshot: TiKVSnapshot) -> String? { snapshot.storesError }

    static func regions(of store: StoreView) -> Double? {
        if let pd = store.regionCount, pd > 0 { return Double(pd) }
        return store.metrics?.regionCount
    }

    public func evaluate(_ snapshot: TiKVSnapshot) -> [Violation] {
        let counts = snapshot.stores.map { ($0, Self.regions(of: $0)) }
        return counts.compactMap { store, regions in
            guard store.stateName == "Up", let regions, regions > max else { return nil }
            let others = counts.filter { $0.0.id != store.id }.compactMap(\.1).sorted()
            let median = others.isEmpty ? nil : others[others.count / 2]
            var message = "\(store.displayName) holds \(Format.number(regions)) regions, above \(Format.number(max))"
            if let median { message += " (the other stores' median is \(Format.number(median)))" }
            let raftstore = store.metrics?.raftstoreCPUCores
            if let raftstore {
                message += "; raftstore uses \(Format.percent(raftstore / Self.defaultRaftstorePoolSize)) of its "
                    + "\(Format.number(Self.defaultRaftstorePoolSize))-thread pool"
            }
            let proposeWait = store.metrics?.proposeWaitP99Seconds
            if let proposeWait { message += "; proposals wait \(Format.seconds(proposeWait)) at p99" }
            return violation(
                on: store.entity, message,
                excerpt: [
                    "store_id": .number(Double(store.id)), "region_count": .number(regions), "threshold": .number(max),
                    "other_stores_median": JSONValue(median), "raftstore_cpu_cores": JSONValue(raftstore), "propose_wait_p99_seconds": JSONValue(proposeWait),
                    "state": .string(store.stateName),
                ])
        }
    }
}
