/// Order statistics of one system's latencies in one benchmark run: what the tables print and the JSON
/// carries. Timeouts are counted, never dropped, and never mixed into the percentiles.
struct LatencySummary: Encodable, Sendable, Equatable {
    /// Samples measured (timeouts excluded).
    var count: Int
    var timeouts: Int
    /// Seconds; nil when nothing was measured.
    var p50: Double?
    var p95: Double?
    var p99: Double?
    var min: Double?
    var max: Double?
    var mean: Double?

    init(seconds samples: [Double], timeouts: Int = 0) {
        let sorted = samples.filter(\.isFinite).sorted()
        count = sorted.count
        self.timeouts = timeouts
        guard let first = sorted.first, let last = sorted.last else { return }
        p50 = BenchFormat.percentile(sorted, 0.50)
        p95 = BenchFormat.percentile(sorted, 0.95)
        p99 = BenchFormat.percentile(sorted, 0.99)
        min = first
        max = last
        mean = sorted.reduce(0, +) / Double(sorted.count)
    }

    /// Samples that may be missing (a timeout is `nil`).
    init(measured: [Double?]) {
        self.init(seconds: measured.compactMap { $0 }, timeouts: measured.filter { $0 == nil }.count)
    }

    enum CodingKeys: String, CodingKey {
        case count, timeouts
        case p50 = "p50_seconds"
        case p95 = "p95_seconds"
        case p99 = "p99_seconds"
        case min = "min_seconds"
        case max = "max_seconds"
        case mean = "mean_seconds"
    }

    // Absent values are written as null, so every summary has the same keys.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(count, forKey: .count)
        try c.encode(timeouts, forKey: .timeouts)
        try c.encode(p50, forKey: .p50)
        try c.encode(p95, forKey: .p95)
        try c.encode(p99, forKey: .p99)
        try c.encode(min, forKey: .min)
        try c.encode(max, forKey: .max)
        try c.encode(mean, forKey: .mean)
    }
}

extension BenchFormat {
    /// Seconds with a unit that keeps three significant figures readable: `2.01 s`, `412 ms`, `38 µs`.
    static func duration(_ seconds: Double?) -> String {
        guard let s = seconds, s.isFinite else { return "-" }
        if s >= 1 { return String(format: "%.2f s", s) }
        if s >= 0.001 { return String(format: s >= 0.1 ? "%.0f ms" : "%.1f ms", s * 1000) }
        return String(format: s >= 0.0001 ? "%.0f µs" : "%.1f µs", s * 1_000_000)
    }

    /// Seconds as a plain number for columns headed "s".
    static func seconds(_ seconds: Double?, digits: Int = 2) -> String {
        guard let s = seconds, s.isFinite else { return "-" }
        return number(s, digits: digits)
    }

    /// `a / b` as `3.10x`, or `-` when either side is missing.
    static func ratio(_ a: Double?, _ b: Double?) -> String {
        guard let a, let b, a.isFinite, b.isFinite else { return "-" }
        return ratio(a, b)
    }

    static func ratioValue(_ a: Double?, _ b: Double?) -> Double? {
        guard let a, let b, a.isFinite, b.isFinite, b > 0 else { return nil }
        return a / b
    }
}
