import Foundation

/// Which stores' `/metrics` pages a tick reads without Prometheus.
///
/// A TiKV page is about 1.4 MB (tikv-at-scale.md §0); reading every store's on every tick does not scale
/// to hundreds of stores. A tick reads the stores PD flags, stores never read or whose last read failed,
/// and a round-robin share of the rest sized so that every store is read at least once per ``cycle``.
/// Stores not read this tick keep their last metrics while they are at most ``freshFor`` old.
struct StoreScrapeRotation: Sendable {
    /// Every store is read at least this often (with room to spare within a minute).
    var cycle: TimeInterval = 45
    /// How long a store's last metrics stand in for it.
    var freshFor: TimeInterval = 60
    /// Clusters of up to this many stores are read whole every tick: a metric fault on a small cluster is
    /// seen on the next tick, and 16 pages are cheap next to the tick interval.
    var wholeClusterUpTo = 16
    /// Stores read per tick at least in larger clusters, which read their share: each page is ~130 KB gzipped and the bulk of a tick's CPU (gunzip and
    /// parsing 1.3 MB), so 16 a tick at 100 stores were 2 MB and most of 60 ms; 4 keep a 100-store tick
    /// near 0.6 MB (issue 16's bound is 1 MB) while the flagged stores are still read every tick.
    var minimumPerTick = 4

    /// The stores to read now, flagged and due first, then the least recently read.
    /// `lastRead` holds when each store's page was last read; `failed` the stores whose last read failed;
    /// `sinceLastTick` the seconds since the previous tick (`nil` on the first).
    func choose(
        _ targets: [StoreMetricsTarget], lastRead: [UInt64: Date], failed: Set<UInt64>, sinceLastTick: TimeInterval?,
        now: Date
    ) -> [StoreMetricsTarget] {
        func due(_ t: StoreMetricsTarget) -> Bool {
            guard t.flag == nil, !failed.contains(t.storeID), let at = lastRead[t.storeID] else { return true }
            let age = now.timeIntervalSince(at)
            return age < 0 || age >= cycle
        }
        let must = targets.filter(due)
        let rest = targets.filter { !due($0) }.sorted {
            (lastRead[$0.storeID] ?? .distantPast) < (lastRead[$1.storeID] ?? .distantPast)
        }
        // The share of the cluster this tick's interval is of the cycle, rounded up.
        let interval = min(max(sinceLastTick ?? cycle, 0), cycle)
        let share = cycle > 0 ? Int(exactly: (Double(targets.count) * interval / cycle).rounded(.up)) ?? targets.count : targets.count
        let count = targets.count <= wholeClusterUpTo ? targets.count : max(minimumPerTick, share)
        return must + rest.prefix(max(0, count - must.count))
    }

    /// Why PD's view flags a store: its page is read every tick.
    static func flag(_ store: StoreView, lowSpaceRatio: Double) -> String? {
        if store.stateName != "Up" { return "state \(store.stateName)" }
        if let slow = store.pdSlowScore, slow > 1 { return "slow score \(Format.number(slow))" }
        if store.isBusy == true { return "busy" }
        if let a = store.availableBytes, let c = store.capacityBytes, c > 0, a / c < lowSpaceRatio {
            return "low space"
        }
        return nil
    }
}
