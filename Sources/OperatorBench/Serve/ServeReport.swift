import OperatorCore

/// `operator bench serve`'s result: wrk's numbers per path, serve's resident memory, the history it
/// served, and issue 17's targets for the incident list (met, or by how much not).
public struct ServeReport: Encodable, Sendable {
    struct Row: Encodable, Sendable {
        var name: String
        var path: String
        var wrk: WrkOutput
    }

    var machine: BenchMachine
    /// 1-, 5- and 15-minute load averages when the run started.
    var loadAverage: [Double]?
    var history: IncidentHistory.Summary
    var clusters: Int
    var interval: String
    var threads: Int
    var connections: Int
    var durationSeconds: Double
    /// The first row is the incident list the targets are about.
    var rows: [Row]
    var rssIdleBytes: Int?
    var rssPeakBytes: Int?
    var rssAfterBytes: Int?
    /// serve's encoded-response cache over the whole run (warm-up included): answered from it, or read and encoded.
    var cacheHits: Int? = nil
    var cacheMisses: Int? = nil
    /// Times a commit (the monitors' heartbeats, one per tick and cluster) emptied it.
    var cacheInvalidations: Int? = nil

    var cacheHitRate: Double? {
        guard let cacheHits, let cacheMisses, cacheHits + cacheMisses > 0 else { return nil }
        return Double(cacheHits) / Double(cacheHits + cacheMisses)
    }

    var targets: [ServeTarget] {
        guard let list = rows.first else { return [] }
        return [
            ServeTarget(metric: "requests/s", bound: 2_000, measured: list.wrk.requestsPerSecond, unit: "requests/s", higherIsBetter: true),
            ServeTarget(metric: "p99 latency", bound: 0.020, measured: list.wrk.p99Seconds, unit: "seconds", higherIsBetter: false),
            ServeTarget(metric: "RSS peak", bound: 60_000_000, measured: rssPeakBytes.map(Double.init), unit: "bytes", higherIsBetter: false),
        ]
    }

    enum CodingKeys: String, CodingKey {
        case machine
        case loadAverage = "load_average"
        case history, clusters, interval, threads, connections
        case durationSeconds = "duration_seconds"
        case rows
        case rssIdleBytes = "rss_idle_bytes"
        case rssPeakBytes = "rss_peak_bytes"
        case rssAfterBytes = "rss_after_bytes"
        case cacheHits = "cache_hits"
        case cacheMisses = "cache_misses"
        case cacheInvalidations = "cache_invalidations"
        case cacheHitRate = "cache_hit_rate"
        case targets
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(machine, forKey: .machine)
        try c.encode(loadAverage, forKey: .loadAverage)
        try c.encode(history, forKey: .history)
        try c.encode(clusters, forKey: .clusters)
        try c.encode(interval, forKey: .interval)
        try c.encode(threads, forKey: .threads)
        try c.encode(connections, forKey: .connections)
        try c.encode(durationSeconds, forKey: .durationSeconds)
        try c.encode(rows, forKey: .rows)
        try c.encode(rssIdleBytes, forKey: .rssIdleBytes)
        try c.encode(rssPeakBytes, forKey: .rssPeakBytes)
        try c.encode(rssAfterBytes, forKey: .rssAfterBytes)
        try c.encode(cacheHits, forKey: .cacheHits)
        try c.encode(cacheMisses, forKey: .cacheMisses)
        try c.encode(cacheInvalidations, forKey: .cacheInvalidations)
        try c.encode(cacheHitRate, forKey: .cacheHitRate)
        try c.encode(targets, forKey: .targets)
    }

    public var allTargetsMet: Bool { targets.allSatisfy(\.met) }

    public var table: BenchTable {
        let rowsText = rows.map { row in
            [row.name, "`\(row.path)`", BenchFormat.number(row.wrk.requestsPerSecond, digits: 0), BenchFormat.duration(row.wrk.p50Seconds),
             BenchFormat.duration(row.wrk.p99Seconds), BenchFormat.duration(row.wrk.latencyMaxSeconds),
             BenchFormat.grouped(row.wrk.requests), "\(row.wrk.socketErrors)", "\(row.wrk.non2xxResponses)"]
        }
        let load = loadAverage.map { $0.map { BenchFormat.number($0, digits: 2) }.joined(separator: " / ") } ?? "-"
        return BenchTable(
            title: "operator serve under read load (wrk on loopback)",
            columns: ["request", "path", "req/s", "p50", "p99", "max", "requests", "socket errors", "non-2xx"],
            rows: rowsText,
            notes: [
                "\(machine.markdown) Load average when it started (1/5/15 min): \(load).",
                "database: \(BenchFormat.grouped(history.incidents)) incidents (\(BenchFormat.grouped(history.openIncidents)) open), \(BenchFormat.grouped(history.tickets)) tickets, \(BenchFormat.grouped(history.timelineEvents)) timeline events, \(BenchFormat.grouped(history.diagnosed)) diagnoses, \(BenchFormat.byteCount(history.databaseBytes)), written through SQLiteTicketStore in \(BenchFormat.duration(history.seconds))",
                "`operator serve` watching \(clusters) simulated TiKV clusters (`operator simulate run`, child processes) every \(interval), no diagnoser; wrk \(threads) threads, \(connections) connections, \(BenchFormat.number(durationSeconds, digits: 0)) s per path, after a warm-up; wrk, serve and the simulators share the machine's cores",
                "serve's RSS (/proc/<pid>/status): \(BenchFormat.byteCount(rssIdleBytes)) ready and idle, \(BenchFormat.byteCount(rssPeakBytes)) peak (VmHWM and 50 ms samples during load), \(BenchFormat.byteCount(rssAfterBytes)) 1 s after the load",
                "serve's response cache over the run: \(cacheHits.map(BenchFormat.grouped) ?? "-") hits, \(cacheMisses.map(BenchFormat.grouped) ?? "-") misses (hit rate \(cacheHitRate.map { BenchFormat.number($0 * 100, digits: 2) + " %" } ?? "-")), emptied \(cacheInvalidations.map(BenchFormat.grouped) ?? "-") times by commits",
                "targets (issue 17, 2 cores, `\(rows.first?.path ?? "-")`): " + targets.map(\.summary).joined(separator: "; "),
            ])
    }
}

/// One of issue 17's bounds and the measured value: met, and the ratio measured / bound.
struct ServeTarget: Encodable, Sendable, Equatable {
    var metric: String
    var bound: Double
    var measured: Double?
    var unit: String
    var higherIsBetter: Bool

    var ratio: Double? { BenchFormat.ratioValue(measured, bound) }
    /// A value that was not measured never meets its bound.
    var met: Bool {
        guard let measured, measured.isFinite else { return false }
        return higherIsBetter ? measured >= bound : measured <= bound
    }

    var summary: String {
        let relation = higherIsBetter ? "≥" : "≤"
        let verdict = met ? "met" : "not met"
        return "\(metric) \(relation) \(Self.format(bound, unit)): \(Self.format(measured, unit)) (\(verdict), \(BenchFormat.ratio(measured, bound)) the bound)"
    }

    static func format(_ value: Double?, _ unit: String) -> String {
        guard let value, value.isFinite else { return "-" }
        switch unit {
        case "seconds": return BenchFormat.duration(value)
        case "bytes": return BenchFormat.number(value / 1_000_000, digits: 1) + " MB"
        default: return BenchFormat.grouped(Int(checking: value, rounding: .toNearestOrEven) ?? 0)
        }
    }

    enum CodingKeys: String, CodingKey {
        case metric, bound, measured, unit
        case higherIsBetter = "higher_is_better"
        case ratio, met
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(metric, forKey: .metric)
        try c.encode(bound, forKey: .bound)
        try c.encode(measured, forKey: .measured)
        try c.encode(unit, forKey: .unit)
        try c.encode(higherIsBetter, forKey: .higherIsBetter)
        try c.encode(ratio, forKey: .ratio)
        try c.encode(met, forKey: .met)
    }
}
