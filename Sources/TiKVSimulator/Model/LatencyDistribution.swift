import Foundation

/// A log-normal latency (or lag) distribution: what a histogram's buckets fill with.
struct LogNormal: Sendable {
    let median: Double
    let sigma: Double

    init(median: Double, sigma: Double = 0.5) {
        self.median = max(median, 1e-9)
        self.sigma = sigma
    }

    func cdf(_ x: Double) -> Double {
        guard x > 0 else { return 0 }
        if x.isInfinite { return 1 }
        return 0.5 * erfc(-(log(x) - log(median)) / (sigma * 2.0.squareRoot()))
    }

    var mean: Double { median * exp(sigma * sigma / 2) }

    func quantile99() -> Double { median * exp(2.326 * sigma) }
}

/// A Prometheus histogram accumulated from rates: cumulative buckets, sum and count.
///
/// Bucket counts grow by `n × CDF(bound)`; CDF is monotone in the bound and floating-point
/// addition is monotone, so buckets stay cumulative and `+Inf` (CDF 1) always equals `count`.
struct HistogramAccumulator: Sendable {
    let bounds: [Double]
    private(set) var buckets: [Double]
    private(set) var sum: Double = 0
    private(set) var count: Double = 0

    init(bounds: [Double]) {
        self.bounds = bounds
        self.buckets = [Double](repeating: 0, count: bounds.count)
    }

    mutating func observe(_ observations: Double, from distribution: LogNormal) {
        var cache = CDFCache()
        observe(observations, from: distribution, cache: &cache)
    }

    mutating func observe(_ observations: Double, from distribution: LogNormal, cache: inout CDFCache) {
        guard observations > 0 else { return }
        let shares = cache.cdf(distribution, bounds: bounds)
        for index in bounds.indices {
            buckets[index] += observations * shares[index]
        }
        sum += observations * distribution.mean
        count += observations
    }

    /// `start × factor^k` for k in 0..<count, as Rust prometheus' `exponential_buckets`.
    static func exponential(start: Double, factor: Double, count: Int) -> [Double] {
        (0..<count).map { start * pow(factor, Double($0)) }
    }
}

/// CDF values at a histogram's bounds, memoised: most stores share most distributions, and one
/// physics step would otherwise evaluate `erfc` tens of thousands of times at a hundred stores.
struct CDFCache {
    private struct Key: Hashable {
        let median: Double
        let sigma: Double
        let firstBound: Double
        let boundCount: Int
    }

    private var values: [Key: [Double]] = [:]

    mutating func cdf(_ distribution: LogNormal, bounds: [Double]) -> [Double] {
        let key = Key(median: distribution.median, sigma: distribution.sigma, firstBound: bounds.first ?? 0, boundCount: bounds.count)
        if let cached = values[key] { return cached }
        let computed = bounds.map { distribution.cdf($0) }
        values[key] = computed
        return computed
    }
}
