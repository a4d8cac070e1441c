import Foundation

/// One metrics page read from one URL at one time. Two scrapes of the same URL give rates and quantiles
/// over the interval between them, the way Prometheus's `rate()` would, without a Prometheus server.
public struct MetricsScrape: Sendable {
    public let url: String
    public let scrapedAt: Date
    public let page: MetricsPage

    public init(url: String, scrapedAt: Date, page: MetricsPage) {
        self.url = url
        self.scrapedAt = scrapedAt
        self.page = page
    }

    /// Seconds from `previous` to this scrape; `nil` unless positive.
    public func seconds(since previous: MetricsScrape) -> Double? {
        positive(scrapedAt.timeIntervalSince(previous.scrapedAt))
    }

    /// Seconds from the scrape `baseline` kept to this one; `nil` unless positive.
    public func seconds(since baseline: ScrapeBaseline) -> Double? {
        positive(scrapedAt.timeIntervalSince(baseline.scrapedAt))
    }

    private func positive(_ dt: Double) -> Double? { dt > 0 ? dt : nil }

    // Each query comes in two forms: against the previous scrape itself, and against the `ScrapeBaseline`
    // a monitor keeps of it between ticks. The first is the second over the previous scrape's baseline.

    /// `sum(rate(name{matchers}[interval])) by (labels)` where the interval is the time since `previous`.
    ///
    /// Each series' increase is computed on its own, with counter resets handled as Prometheus does (a value
    /// lower than before means the process restarted and counted up from zero). Series absent from either
    /// scrape are left out, as `rate()` needs two samples.
    public func rate(
        of name: String, since previous: MetricsScrape, matching matchers: [LabelMatcher] = [], by labels: [String] = []
    ) -> [LabelSet: Double] {
        rate(of: name, since: ScrapeBaseline(previous), matching: matchers, by: labels)
    }

    public func rate(
        of name: String, since baseline: ScrapeBaseline, matching matchers: [LabelMatcher] = [], by labels: [String] = []
    ) -> [LabelSet: Double] {
        guard let dt = seconds(since: baseline) else { return [:] }
        return increase(of: name, since: baseline, matching: matchers, by: labels).mapValues { $0 / dt }
    }

    /// `sum(increase(name{matchers}[interval])) by (labels)`, without extrapolation.
    public func increase(
        of name: String, since previous: MetricsScrape, matching matchers: [LabelMatcher] = [], by labels: [String] = []
    ) -> [LabelSet: Double] {
        increase(of: name, since: ScrapeBaseline(previous), matching: matchers, by: labels)
    }

    public func increase(
        of name: String, since baseline: ScrapeBaseline, matching matchers: [LabelMatcher] = [], by labels: [String] = []
    ) -> [LabelSet: Double] {
        var out: [LabelSet: Double] = [:]
        for s in page.samples(named: name, matching: matchers) {
            guard let old = baseline.value(s.name, s.labels) else { continue }
            out[s.labels.projected(onto: labels), default: 0] += CounterMath.increase(from: old, to: s.value)
        }
        return out
    }

    /// Bucket increases of histogram `name` since `previous`, summed by the `by` labels: the buckets of only
    /// the observations made during the interval.
    public func bucketIncreases(
        ofHistogram name: String, since previous: MetricsScrape, matching matchers: [LabelMatcher] = [],
        by labels: [String] = []
    ) -> [LabelSet: [HistogramBucket]] {
        bucketIncreases(ofHistogram: name, since: ScrapeBaseline(previous), matching: matchers, by: labels)
    }

    public func bucketIncreases(
        ofHistogram name: String, since baseline: ScrapeBaseline, matching matchers: [LabelMatcher] = [],
        by labels: [String] = []
    ) -> [LabelSet: [HistogramBucket]] {
        var sums: [LabelSet: [Double: Double]] = [:]
        for s in page.samples(named: name + "_bucket", matching: matchers) {
            guard let old = baseline.value(s.name, s.labels), let le = s.labels["le"].flatMap(SampleValueText.parse) else {
                continue
            }
            sums[s.labels.projected(onto: labels), default: [:]][le, default: 0] +=
                CounterMath.increase(from: old, to: s.value)
        }
        return sums.mapValues { HistogramBucket.sorted($0) }
    }

    /// `histogram_quantile(q, sum(rate(name_bucket{matchers}[interval])) by (le, labels))` over the interval
    /// since `previous`. NaN for a group with no observations in the interval, as in Prometheus.
    public func histogramQuantile(
        _ q: Double, ofHistogram name: String, since previous: MetricsScrape, matching matchers: [LabelMatcher] = [],
        by labels: [String] = []
    ) -> [LabelSet: Double] {
        histogramQuantile(q, ofHistogram: name, since: ScrapeBaseline(previous), matching: matchers, by: labels)
    }

    public func histogramQuantile(
        _ q: Double, ofHistogram name: String, since baseline: ScrapeBaseline, matching matchers: [LabelMatcher] = [],
        by labels: [String] = []
    ) -> [LabelSet: Double] {
        // Rates and increases differ by the constant interval, which cancels out in the interpolation.
        bucketIncreases(ofHistogram: name, since: baseline, matching: matchers, by: labels).mapValues {
            HistogramQuantile.quantile(q, buckets: $0)
        }
    }

    /// Mean of a histogram or summary over the interval: increase of `_sum` / increase of `_count`.
    public func average(
        of name: String, since previous: MetricsScrape, matching matchers: [LabelMatcher] = [], by labels: [String] = []
    ) -> [LabelSet: Double] {
        average(of: name, since: ScrapeBaseline(previous), matching: matchers, by: labels)
    }

    public func average(
        of name: String, since baseline: ScrapeBaseline, matching matchers: [LabelMatcher] = [], by labels: [String] = []
    ) -> [LabelSet: Double] {
        let sums = increase(of: name + "_sum", since: baseline, matching: matchers, by: labels)
        let counts = increase(of: name + "_count", since: baseline, matching: matchers, by: labels)
        var out: [LabelSet: Double] = [:]
        for (key, sum) in sums {
            guard let count = counts[key] else { continue }
            out[key] = count > 0 ? sum / count : .nan
        }
        return out
    }
}

/// Counter arithmetic shared by scrapes and anything else that keeps previous values.
public enum CounterMath {
    /// How much a counter grew from `old` to `new`; a drop is a reset, after which the counter counted up
    /// from zero to `new`.
    public static func increase(from old: Double, to new: Double) -> Double {
        new >= old ? new - old : new
    }
}
