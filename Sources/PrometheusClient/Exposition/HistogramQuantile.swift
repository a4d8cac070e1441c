/// One cumulative histogram bucket: observations ≤ `upperBound` (the `le` label).
public struct HistogramBucket: Sendable, Hashable {
    public var upperBound: Double
    public var count: Double

    public init(upperBound: Double, count: Double) {
        self.upperBound = upperBound
        self.count = count
    }

    static func sorted(_ byBound: [Double: Double]) -> [HistogramBucket] {
        byBound.map { HistogramBucket(upperBound: $0.key, count: $0.value) }.sorted { $0.upperBound < $1.upperBound }
    }
}

/// `histogram_quantile` with Prometheus's semantics (promql/quantile.go, 2.x), so a number computed here
/// from scraped buckets equals the one PromQL gives for the same buckets.
public enum HistogramQuantile {
    /// The φ-quantile of cumulative buckets, interpolated linearly inside the bucket the rank falls in.
    ///
    /// As in Prometheus: φ < 0 → -Inf, φ > 1 → +Inf; NaN when there is no `+Inf` bucket, fewer than two
    /// buckets or no observations; a rank in the `+Inf` bucket returns the highest finite bound; a rank in
    /// a first bucket with bound ≤ 0 returns that bound; non-monotonic counts (scrape races) are flattened.
    public static func quantile(_ q: Double, buckets input: [HistogramBucket]) -> Double {
        if q.isNaN { return .nan }
        if q < 0 { return -.infinity }
        if q > 1 { return .infinity }
        var buckets = input.sorted { $0.upperBound < $1.upperBound }
        guard let last = buckets.last, last.upperBound == .infinity else { return .nan }
        buckets = coalesced(buckets)
        ensureMonotonic(&buckets)
        guard buckets.count >= 2 else { return .nan }
        let observations = buckets[buckets.count - 1].count
        guard observations > 0 else { return .nan }
        var rank = q * observations
        // First bucket (excluding +Inf) whose cumulative count reaches the rank; count-1 when none does.
        var b = buckets.count - 1
        for i in 0..<(buckets.count - 1) where buckets[i].count >= rank {
            b = i
            break
        }
        if b == buckets.count - 1 { return buckets[buckets.count - 2].upperBound }
        if b == 0, buckets[0].upperBound <= 0 { return buckets[0].upperBound }
        var bucketStart = 0.0
        let bucketEnd = buckets[b].upperBound
        var count = buckets[b].count
        if b > 0 {
            bucketStart = buckets[b - 1].upperBound
            count -= buckets[b - 1].count
            rank -= buckets[b - 1].count
        }
        return bucketStart + (bucketEnd - bucketStart) * (rank / count)
    }

    /// Merges buckets with the same bound (series that differ only in labels summed away).
    static func coalesced(_ sorted: [HistogramBucket]) -> [HistogramBucket] {
        var out: [HistogramBucket] = []
        out.reserveCapacity(sorted.count)
        for b in sorted {
            if let last = out.last, last.upperBound == b.upperBound {
                out[out.count - 1].count += b.count
            } else {
                out.append(b)
            }
        }
        return out
    }

    /// Cumulative counts can dip when buckets are scraped mid-update; Prometheus carries the maximum forward.
    static func ensureMonotonic(_ buckets: inout [HistogramBucket]) {
        var maximum = -Double.infinity
        for i in buckets.indices {
            if buckets[i].count > maximum {
                maximum = buckets[i].count
            } else if buckets[i].count < maximum {
                buckets[i].count = maximum
            }
        }
    }
}
