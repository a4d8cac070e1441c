/// The scheduler series of PD before v8.5.5 whose label sets are store *pairs* (`source`, `target`):
/// `pd_schedule_filter`, `pd_scheduler_balance_direction`, `pd_scheduler_hot_pending`. They made PD's
/// `/metrics` 165–183 MB on a ~450-store cluster (tikv/pd#9357; fixed in v8.5.5 by #9535–#9537,
/// tikv-at-scale.md §1.5), and grow with the square of the store count.
///
/// The text is generated one (family, source store) row at a time and never held whole: a plain
/// `/metrics` streams it; gzip is compressed once (`deflated`) and kept, about a tenth of the size.
struct PDSchedulerSeries: Sendable {
    /// Store ids the series name: the live stores, then (to reach a chosen size) ids of stores long
    /// gone, whose series PD kept exporting (the #9357 page had ~516 store label sets).
    let storeIDs: [UInt64]

    static let families: [(name: String, help: String, labelSets: [[(String, String)]])] = [
        ("pd_schedule_filter", "Counter of the filter", [
            [("action", "filter-target"), ("scope", "balance-region-scheduler")],
            [("action", "filter-target"), ("scope", "balance-leader-scheduler")],
            [("action", "filter-source"), ("scope", "balance-hot-region-scheduler")],
        ]),
        ("pd_scheduler_balance_direction", "Counter of direction of balance related schedulers.", [[]]),
        ("pd_scheduler_hot_pending", "Counter of direction of hot region schedulers.", [[]]),
    ]

    /// The type label of each family's label sets, in the same order.
    private static let types: [[String]] = [
        ["distinct-filter", "store-state-leader-filter", "store-state-busy-filter"],
        ["balance-region-scheduler"],
        ["move-leader"],
    ]

    /// Series for `liveStoreIDs`, extended with stale ids until the text is about `targetBytes` (when
    /// given and larger), or cut to fewer stores (when smaller).
    init(liveStoreIDs: [UInt64], targetBytes: Int?) {
        guard let targetBytes else {
            storeIDs = liveStoreIDs
            return
        }
        let perPair = max(1, PDSchedulerSeries(storeIDs: [1_000_001, 1_000_002]).pairBytes)
        // The fewest stores whose ordered pairs reach the size (n² > n(n−1): a little over it).
        var wanted = 0
        while (wanted - 1) * wanted * perPair < targetBytes { wanted += 1 }
        var ids = Array(liveStoreIDs.prefix(wanted))
        var stale = (liveStoreIDs.max() ?? 0) + 1_000
        while ids.count < wanted {
            ids.append(stale)
            stale += 1
        }
        storeIDs = ids
    }

    private init(storeIDs: [UInt64]) {
        self.storeIDs = storeIDs
    }

    /// Rows: for each family its header then one row per source store.
    var rowCount: Int { storeIDs.count < 2 ? 0 : Self.families.count * (storeIDs.count + 1) }

    /// Bytes of one ordered pair's series across the families (a size estimate).
    private var pairBytes: Int {
        guard storeIDs.count == 2 else { return 0 }
        return (0..<Self.families.count).reduce(0) { total, family in total + row(family: family, source: 0, onlyTarget: 1).utf8.count }
    }

    func row(_ index: Int) -> String {
        let perFamily = storeIDs.count + 1
        let family = index / perFamily
        let offset = index % perFamily
        guard offset > 0 else {
            var page = PrometheusTextWriter()
            page.family(Self.families[family].name, type: "counter", help: Self.families[family].help)
            return page.text
        }
        return row(family: family, source: offset - 1, onlyTarget: nil)
    }

    private func row(family: Int, source: Int, onlyTarget: Int?) -> String {
        let (name, _, labelSets) = Self.families[family]
        // client_golang writes label names sorted: action, scope, source, target, type. Built by hand,
        // not through PrometheusTextWriter: a 500-store page is 750,000 of these lines.
        let prefixes = labelSets.map { labels in
            name + "{" + labels.map { "\($0.0)=\"\($0.1)\"," }.joined() + "source=\"" + String(storeIDs[source]) + "\",target=\""
        }
        var text = ""
        text.reserveCapacity(storeIDs.count * labelSets.count * 120)
        for target in onlyTarget.map({ [$0] }) ?? Array(storeIDs.indices) where target != source {
            let targetLabel = String(storeIDs[target])
            for (setIndex, prefix) in prefixes.enumerated() {
                let value = (source &* 7_919 &+ target &* 104_729 &+ setIndex &* 31) % 1_000_003
                text += prefix + targetLabel + "\",type=\"" + Self.types[family][setIndex] + "\"} " + String(value) + "\n"
            }
        }
        return text
    }

    /// The whole text compressed as one deflate segment, built row by row.
    func deflate() -> DeflateSegment {
        let encoder = DeflateSegmentEncoder()
        for index in 0..<rowCount { encoder.append(row(index)) }
        return encoder.finish()
    }

    /// Uncompressed size, summed row by row.
    var byteCount: Int {
        (0..<rowCount).reduce(0) { $0 + row($1).utf8.count }
    }
}
