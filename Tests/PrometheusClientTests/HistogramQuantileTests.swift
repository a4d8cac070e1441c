import Testing

@testable import PrometheusClient

@Suite("histogram_quantile semantics")
struct HistogramQuantileTests {
    private func b(_ pairs: [(Double, Double)]) -> [HistogramBucket] {
        pairs.map { HistogramBucket(upperBound: $0.0, count: $0.1) }
    }

    @Test("linear interpolation inside the bucket the rank falls in")
    func interpolation() {
        // 100 observations: 10 ≤ 0.1, 60 ≤ 0.2, 90 ≤ 0.4, 100 ≤ +Inf.
        let buckets = b([(0.1, 10), (0.2, 60), (0.4, 90), (.infinity, 100)])
        // rank 50 in (0.1, 0.2]: 0.1 + 0.1 * (50-10)/(60-10) = 0.18
        #expect(abs(HistogramQuantile.quantile(0.5, buckets: buckets) - 0.18) < 1e-12)
        // rank 5 in the first bucket, lower bound 0: 0.1 * 5/10 = 0.05
        #expect(abs(HistogramQuantile.quantile(0.05, buckets: buckets) - 0.05) < 1e-12)
        // rank 90 exactly reaches the 0.4 bucket: 0.2 + 0.2 * (90-60)/(90-60) = 0.4
        #expect(abs(HistogramQuantile.quantile(0.9, buckets: buckets) - 0.4) < 1e-12)
        // rank 99 lies in +Inf: the highest finite bound
        #expect(HistogramQuantile.quantile(0.99, buckets: buckets) == 0.4)
    }

    @Test("order of input does not matter; duplicate bounds are merged")
    func unsortedAndDuplicates() {
        let shuffled = b([(.infinity, 100), (0.2, 30), (0.1, 5), (0.2, 30), (0.1, 5), (0.4, 45)])
        // Merged: 0.1→10, 0.2→60, 0.4→45 (dip, flattened to 60), +Inf→100; rank 50 → 0.1+0.1*40/50
        #expect(abs(HistogramQuantile.quantile(0.5, buckets: shuffled) - 0.18) < 1e-12)
    }

    @Test("edge cases return what Prometheus returns")
    func edgeCases() {
        let ok = b([(1, 1), (.infinity, 2)])
        #expect(HistogramQuantile.quantile(-0.1, buckets: ok) == -.infinity)
        #expect(HistogramQuantile.quantile(1.5, buckets: ok) == .infinity)
        #expect(HistogramQuantile.quantile(.nan, buckets: ok).isNaN)
        #expect(HistogramQuantile.quantile(0.5, buckets: b([(1, 1), (2, 2)])).isNaN, "no +Inf bucket")
        #expect(HistogramQuantile.quantile(0.5, buckets: b([(.infinity, 5)])).isNaN, "a single bucket")
        #expect(HistogramQuantile.quantile(0.5, buckets: b([(1, 0), (.infinity, 0)])).isNaN, "no observations")
        #expect(HistogramQuantile.quantile(0.5, buckets: []).isNaN)
        // First bucket with a bound ≤ 0 returns that bound.
        #expect(HistogramQuantile.quantile(0.1, buckets: b([(-1, 5), (0, 6), (.infinity, 10)])) == -1)
    }

    @Test("quantile over bucket increases between two scrapes ignores history")
    func overDeltas() {
        let before = MetricsScrape(
            url: "test", scrapedAt: .init(timeIntervalSince1970: 100),
            page: ExpositionParser.parse(
                """
                lat_bucket{instance="a",le="0.01"} 1000
                lat_bucket{instance="a",le="1"} 1000
                lat_bucket{instance="a",le="+Inf"} 1000
                """))
        let after = MetricsScrape(
            url: "test", scrapedAt: .init(timeIntervalSince1970: 110),
            page: ExpositionParser.parse(
                """
                lat_bucket{instance="a",le="0.01"} 1000
                lat_bucket{instance="a",le="1"} 1100
                lat_bucket{instance="a",le="+Inf"} 1100
                """))
        // Since start: 1000 of 1100 are ≤ 0.01, so the cumulative p50 is tiny.
        let cumulative = after.page.histogramQuantile(0.5, ofHistogram: "lat", by: ["instance"])[["instance": "a"]]
        #expect(cumulative.map { $0 < 0.01 } == true)
        // In the last 10 s all 100 new observations were in (0.01, 1]: p50 = 0.01 + 0.99 * 50/100.
        let recent = after.histogramQuantile(0.5, ofHistogram: "lat", since: before, by: ["instance"])
        #expect(recent.count == 1)
        #expect(abs((recent[["instance": "a"]] ?? 0) - 0.505) < 1e-12)
        // No observations in an interval → NaN, like Prometheus on an idle histogram.
        #expect(after.histogramQuantile(0.5, ofHistogram: "lat", since: after.shifted(by: -1))[[:]]?.isNaN == true)
    }
}

extension MetricsScrape {
    func shifted(by seconds: Double) -> MetricsScrape {
        MetricsScrape(url: url, scrapedAt: scrapedAt.addingTimeInterval(seconds), page: page)
    }
}
