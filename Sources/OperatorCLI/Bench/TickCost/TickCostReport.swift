/// Tick cost at each cluster size of one run, and how the largest compares with the smallest.
struct TickCostReport: Encodable, Sendable {
    struct SizeResult: Encodable, Sendable {
        var size: TickCostBenchmark.ClusterSize
        var ticks: Int
        var warmupTicks: Int
        var tick: LatencySummary
        /// Operator's resident memory after the warm-up, its peak over the measured ticks, and after them.
        var rssBeforeBytes: Int
        var rssPeakBytes: Int
        var rssAfterBytes: Int
        /// The simulator's own resident memory (a separate process), for scale.
        var simulatorRSSBytes: Int?
        /// PD HTTP requests per tick, all paths together, as the simulator counted them.
        var pdRequestsPerTick: Double
        /// Requests per tick to `/pd/api/v1/regions` (listing every region): a tick must not make any.
        var regionListRequestsPerTick: Double
        var requestsPerTick: [String: Double]
        var violationsLastTick: Int
        var tickErrors: [String]

        enum CodingKeys: String, CodingKey {
            case stores, regions, ticks
            case warmupTicks = "warmup_ticks"
            case tick
            case rssBeforeBytes = "rss_before_bytes"
            case rssPeakBytes = "rss_peak_bytes"
            case rssAfterBytes = "rss_after_bytes"
            case simulatorRSSBytes = "simulator_rss_bytes"
            case pdRequestsPerTick = "pd_requests_per_tick"
            case regionListRequestsPerTick = "region_list_requests_per_tick"
            case requestsPerTick = "requests_per_tick"
            case violationsLastTick = "violations_last_tick"
            case tickErrors = "tick_errors"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(size.stores, forKey: .stores)
            try c.encode(size.regions, forKey: .regions)
            try c.encode(ticks, forKey: .ticks)
            try c.encode(warmupTicks, forKey: .warmupTicks)
            try c.encode(tick, forKey: .tick)
            try c.encode(rssBeforeBytes, forKey: .rssBeforeBytes)
            try c.encode(rssPeakBytes, forKey: .rssPeakBytes)
            try c.encode(rssAfterBytes, forKey: .rssAfterBytes)
            try c.encode(simulatorRSSBytes, forKey: .simulatorRSSBytes)
            try c.encode(pdRequestsPerTick, forKey: .pdRequestsPerTick)
            try c.encode(regionListRequestsPerTick, forKey: .regionListRequestsPerTick)
            try c.encode(requestsPerTick, forKey: .requestsPerTick)
            try c.encode(violationsLastTick, forKey: .violationsLastTick)
            try c.encode(tickErrors, forKey: .tickErrors)
        }
    }

    var sizes: [SizeResult]
    var interval: String
    var qps: Double

    /// Largest over smallest cluster.
    var ratioP50: Double? { BenchFormat.ratioValue(sizes.last?.tick.p50, sizes.first?.tick.p50) }
    var ratioP99: Double? { BenchFormat.ratioValue(sizes.last?.tick.p99, sizes.first?.tick.p99) }
    var ratioRSSPeak: Double? {
        BenchFormat.ratioValue(sizes.last.map { Double($0.rssPeakBytes) }, sizes.first.map { Double($0.rssPeakBytes) })
    }

    enum CodingKeys: String, CodingKey {
        case sizes, interval, qps
        case ratioP50 = "ratio_p50"
        case ratioP99 = "ratio_p99"
        case ratioRSSPeak = "ratio_rss_peak"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sizes, forKey: .sizes)
        try c.encode(interval, forKey: .interval)
        try c.encode(qps, forKey: .qps)
        try c.encode(ratioP50, forKey: .ratioP50)
        try c.encode(ratioP99, forKey: .ratioP99)
        try c.encode(ratioRSSPeak, forKey: .ratioRSSPeak)
    }

    var table: BenchTable {
        var rows = sizes.map { r in
            [r.size.label, "\(r.ticks)", BenchFormat.duration(r.tick.p50), BenchFormat.duration(r.tick.p99), BenchFormat.duration(r.tick.max),
             BenchFormat.byteCount(r.rssBeforeBytes), BenchFormat.byteCount(r.rssPeakBytes), BenchFormat.number(r.pdRequestsPerTick),
             BenchFormat.number(r.regionListRequestsPerTick), "\(r.violationsLastTick)"]
        }
        if let small = sizes.first {
            for other in sizes.dropFirst() {
                let rss = BenchFormat.ratioValue(Double(other.rssPeakBytes), Double(small.rssPeakBytes))
                rows.append(
                    ["ratio \(other.size.label) / \(small.size.label)", "", BenchFormat.ratio(other.tick.p50, small.tick.p50),
                     BenchFormat.ratio(other.tick.p99, small.tick.p99), BenchFormat.ratio(other.tick.max, small.tick.max), "",
                     BenchFormat.ratio(rss, 1), "", "", ""])
            }
        }
        let paths = Set(sizes.flatMap { $0.requestsPerTick.keys }).sorted()
        let perPath = paths.map { p in
            "\(p) " + sizes.map { BenchFormat.number($0.requestsPerTick[p] ?? 0) }.joined(separator: " / ")
        }
        return BenchTable(
            title: "Tick cost of the TiKV subject against the simulator",
            columns: ["cluster", "ticks", "tick p50", "tick p99", "tick max", "RSS before", "RSS peak", "PD requests/tick",
                      "/regions lists/tick", "violations"],
            rows: rows,
            notes: [
                "same run, same binary: each size gets \(sizes.first?.warmupTicks ?? 0) warm-up ticks, then \(sizes.first?.ticks ?? 0) ticks through `MonitorService.runTick` (observe, evaluate every invariant, record on a temporary SQLite database, heartbeat), paced at the \(interval) interval",
                "the simulator (`operator simulate`, \(BenchFormat.number(qps, digits: 0)) QPS of background load) runs as a child process, so RSS is Operator's own: VmRSS of /proc/self/status after the warm-up and its peak after each tick; simulator RSS \(sizes.map { BenchFormat.byteCount($0.simulatorRSSBytes) }.joined(separator: " / "))",
                "PD requests per tick by path (\(sizes.map(\.size.label).joined(separator: " / "))): " + (perPath.isEmpty ? "none counted" : perPath.joined(separator: "; ")),
                "the tick counts regions through PD (`/regions/count`, the PD leader's `pd_regions_status`) and never lists them; every store's /metrics is scraped directly each tick (not counted above)",
            ] + sizes.flatMap { r in r.tickErrors.map { "tick error at \(r.size.label): \($0)" } })
    }
}
