/// Order statistics of one system's latencies in one benchmark run: what the tables print and the JSON
/// carries. Timeouts are counted, never dropped, and never mixed into the percentiles.
public struct LatencySummary: Encodable, Sendable, Equatable {
    /// Samples measured (timeouts excluded).
    public var count: Int
    public var timeouts: Int
    /// Seconds; nil when nothing was measured.
    public var p50: Double?
    public var p95: Double?
    public var p99: Double?
    public var min: Double?
    public var max: Double?
    public var mean: Double?

    public init(seconds samples: [Double], timeouts: Int = 0) {
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
    public init(measured: [Double?]) {
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
    public func encode(to encoder: any Encoder) throws {
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
