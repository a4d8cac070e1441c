import OperatorCore

/// Tick cost per cluster size and scenario, the ratios to the smallest size, and the issue's targets.
public struct TickCostReport: Encodable, Sendable {
    struct Result: Encodable, Sendable {
        var size: TickCostBenchmark.ClusterSize
        var scenario: TickCostBenchmark.Scenario
        /// PD's down-peer region count while measured (`/regions/check/down-peer`'s `count`).
        var downPeerRegions: Int
        var ticks: Int
        var warmupTicks: Int
        /// Wall time of each tick.
        var tick: LatencySummary
        /// Operator's own CPU time (user + system, every thread) during each tick.
        var cpu: LatencySummary
        /// Operator's resident memory after the warm-up, its peak over the measured ticks (at least both ends), and after them.
        var rssBeforeBytes: Int
        var rssPeakBytes: Int
        var rssAfterBytes: Int
        /// The anonymous (private: heap, stacks) part of the resident memory at its highest, sampled before
        /// and after each measured tick: the RSS less the mapped program and libraries, which are file-backed,
        /// clean and shared with any other process running them (43 MiB of Operator's release build).
        var anonymousPeakBytes: Int?
        /// Whether the peak is the kernel's `VmHWM`, reset before the ticks (else sampled after each tick).
        var rssPeakIsKernelMark: Bool
        /// The simulator's own resident memory (a separate process), for scale.
        var simulatorRSSBytes: Int?
        /// Requests and body bytes (as sent: compressed when gzipped) per tick, by path; the stores'
        /// status servers under `store:<path>`, all stores together.
        var requestsPerTickByPath: [String: Double]
        var bytesPerTickByPath: [String: Double]
        var violationsLastTick: Int
        var tickErrors: [String]
        /// Resident file-backed bytes (program and libraries) after the ticks.
        var fileBackedBytes: Int?

        var requestsPerTick: Double { requestsPerTickByPath.values.reduce(0, +) }
        var bytesPerTick: Double { bytesPerTickByPath.values.reduce(0, +) }
        /// Requests per tick to `/pd/api/v1/regions` (listing every region): a tick must not make any.
        var regionListRequestsPerTick: Double { requestsPerTickByPath["/pd/api/v1/regions"] ?? 0 }

        enum CodingKeys: String, CodingKey {
            case stores, regions, scenario
            case downPeerRegions = "down_peer_regions"
            case ticks
            case warmupTicks = "warmup_ticks"
            case tick
            case cpu = "cpu_per_tick"
            case rssBeforeBytes = "rss_before_bytes"
            case rssPeakBytes = "rss_peak_bytes"
            case rssAfterBytes = "rss_after_bytes"
            case rssPeakIsKernelMark = "rss_peak_is_kernel_mark"
            case anonymousPeakBytes = "anonymous_peak_bytes"
            case simulatorRSSBytes = "simulator_rss_bytes"
            case requestsPerTick = "requests_per_tick"
            case requestsPerTickByPath = "requests_per_tick_by_path"
            case bytesPerTick = "bytes_per_tick"
            case bytesPerTickByPath = "bytes_per_tick_by_path"
            case regionListRequestsPerTick = "region_list_requests_per_tick"
            case violationsLastTick = "violations_last_tick"
            case tickErrors = "tick_errors"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(size.stores, forKey: .stores)
            try c.encode(size.regions, forKey: .regions)
            try c.encode(scenario, forKey: .scenario)
            try c.encode(downPeerRegions, forKey: .downPeerRegions)
            try c.encode(ticks, forKey: .ticks)
            try c.encode(warmupTicks, forKey: .warmupTicks)
            try c.encode(tick, forKey: .tick)
            try c.encode(cpu, forKey: .cpu)
            try c.encode(rssBeforeBytes, forKey: .rssBeforeBytes)
            try c.encode(rssPeakBytes, forKey: .rssPeakBytes)
            try c.encode(rssAfterBytes, forKey: .rssAfterBytes)
            try c.encode(rssPeakIsKernelMark, forKey: .rssPeakIsKernelMark)
            try c.encode(anonymousPeakBytes, forKey: .anonymousPeakBytes)
            try c.encode(simulatorRSSBytes, forKey: .simulatorRSSBytes)
            try c.encode(requestsPerTick, forKey: .requestsPerTick)
            try c.encode(requestsPerTickByPath, forKey: .requestsPerTickByPath)
            try c.encode(bytesPerTick, forKey: .bytesPerTick)
            try c.encode(bytesPerTickByPath, forKey: .bytesPerTickByPath)
            try c.encode(regionListRequestsPerTick, forKey: .regionListRequestsPerTick)
            try c.encode(violationsLastTick, forKey: .violationsLastTick)
            try c.encode(tickErrors, forKey: .tickErrors)
        }
    }

    /// One result over the smallest size's result of the same scenario.
    struct Ratio: Encodable, Sendable {
        var stores: Int
        var regions: Int
        var scenario: TickCostBenchmark.Scenario
        var tickP50: Double?
        var tickP99: Double?
        var cpuP50: Double?
        var bytesPerTick: Double?
        var requestsPerTick: Double?
        var rssPeak: Double?

        enum CodingKeys: String, CodingKey {
            case stores, regions, scenario
            case tickP50 = "tick_p50"
            case tickP99 = "tick_p99"
            case cpuP50 = "cpu_p50"
            case bytesPerTick = "bytes_per_tick"
            case requestsPerTick = "requests_per_tick"
            case rssPeak = "rss_peak"
        }
    }

    var results: [Result]
    var interval: String
    var qps: Double

    var ratios: [Ratio] {
        results.compactMap { result in
            guard let base = results.first(where: { $0.scenario == result.scenario }) else { return nil }
            return Ratio(
                stores: result.size.stores, regions: result.size.regions, scenario: result.scenario,
                tickP50: BenchFormat.ratioValue(result.tick.p50, base.tick.p50), tickP99: BenchFormat.ratioValue(result.tick.p99, base.tick.p99),
                cpuP50: BenchFormat.ratioValue(result.cpu.p50, base.cpu.p50),
                bytesPerTick: BenchFormat.ratioValue(result.bytesPerTick, base.bytesPerTick),
                requestsPerTick: BenchFormat.ratioValue(result.requestsPerTick, base.requestsPerTick),
                rssPeak: BenchFormat.ratioValue(Double(result.rssPeakBytes), Double(base.rssPeakBytes)))
        }
    }

    var targets: [TickCostTarget] { TickCostTarget.evaluate(results) }

    enum CodingKeys: String, CodingKey {
        case results, ratios, targets, interval, qps
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(results, forKey: .results)
        try c.encode(ratios, forKey: .ratios)
        try c.encode(targets, forKey: .targets)
        try c.encode(interval, forKey: .interval)
        try c.encode(qps, forKey: .qps)
    }

    public var table: BenchTable {
        var rows = results.map { r in
            [r.size.label, r.scenario.rawValue, BenchFormat.grouped(r.downPeerRegions), "\(r.ticks)",
             BenchFormat.duration(r.tick.p50), BenchFormat.duration(r.tick.p99), BenchFormat.duration(r.cpu.p50), BenchFormat.duration(r.cpu.mean),
             BenchFormat.byteCount(Int(checking: r.bytesPerTick, rounding: .toNearestOrEven)), BenchFormat.number(r.requestsPerTick),
             BenchFormat.byteCount(r.rssPeakBytes), BenchFormat.byteCount(r.anonymousPeakBytes), "\(r.violationsLastTick)"]
        }
        for ratio in ratios where ratio.stores != results.first(where: { $0.scenario == ratio.scenario })?.size.stores {
            rows.append(
                ["ratio \(ratio.stores) / \(results.first?.size.stores ?? 0) stores", ratio.scenario.rawValue, "", "",
                 BenchFormat.ratio(ratio.tickP50, 1), BenchFormat.ratio(ratio.tickP99, 1), BenchFormat.ratio(ratio.cpuP50, 1), "",
                 BenchFormat.ratio(ratio.bytesPerTick, 1), BenchFormat.ratio(ratio.requestsPerTick, 1), BenchFormat.ratio(ratio.rssPeak, 1), "", ""])
        }
        let paths = Set(results.flatMap { $0.bytesPerTickByPath.keys }).sorted()
        let perPath = paths.map { p in
            "\(p) " + results.map { r in
                "\(BenchFormat.number(r.requestsPerTickByPath[p] ?? 0))× \(BenchFormat.byteCount(Int(checking: r.bytesPerTickByPath[p] ?? 0, rounding: .toNearestOrEven)))"
            }.joined(separator: " / ")
        }
        return BenchTable(
            title: "Tick cost of the TiKV subject against the simulator",
            columns: ["cluster", "scenario", "down-peer regions", "ticks", "tick p50", "tick p99", "CPU/tick p50", "CPU/tick mean",
                      "read/tick", "requests/tick", "RSS peak", "anonymous RSS peak", "violations"],
            rows: rows,
            notes: [
                "same run, same binary: each size and scenario gets \(results.first?.warmupTicks ?? 0) warm-up ticks, then \(results.first?.ticks ?? 0) ticks through `MonitorService.runTick` (observe, evaluate every invariant, record on a temporary SQLite database, heartbeat), paced at the \(interval) interval; one-store-down kills the last store and moves PD time 11 minutes on (past max-peer-down-duration), so its peers are down-peers",
                "the simulator (`operator simulate`, \(BenchFormat.number(qps, digits: 0)) QPS of background load; TiKV pages ~1.4 MB, PD's pre-v8.5.5 quadratic scheduler series) runs as a child process, so CPU (getrusage) and RSS (VmHWM reset before the ticks) are Operator's own; simulator RSS \(results.map { BenchFormat.byteCount($0.simulatorRSSBytes) }.joined(separator: " / "))",
                "RSS peak: the kernel's VmHWM over the measured ticks, program and libraries included (file-backed: \(results.compactMap(\.fileBackedBytes).map { BenchFormat.byteCount($0) }.joined(separator: " / "))); anonymous RSS peak: heap and stacks alone (RssAnon, sampled around each tick)",
                "read/tick: body bytes the simulator sent (gzipped when asked), summed over paths; per path, requests× bytes per tick (\(results.map { "\($0.size.stores)/\($0.scenario.rawValue)" }.joined(separator: " / "))): " + (perPath.isEmpty ? "none counted" : perPath.joined(separator: "; ")),
                "targets (issue 16, 2 cores): " + targets.map(\.summary).joined(separator: "; "),
            ] + results.flatMap { r in r.tickErrors.map { "tick error at \(r.size.label), \(r.scenario.rawValue): \($0)" } })
    }
}
