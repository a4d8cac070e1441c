import Foundation
import PrometheusClient
import Testing

@testable import SubjectTiKV

@Suite("Store metrics from two direct scrapes")
struct DirectMetricsTests {
    @Test("rates, p99s and gauges match the page model exactly")
    func computes() throws {
        let model = TiKVPageModel()
        let before = MetricsScrape(
            url: "http://127.0.0.1:20180/metrics", scrapedAt: Date(timeIntervalSince1970: 1000),
            page: ExpositionParser.parse(model.page(elapsed: 0)))
        let after = MetricsScrape(
            url: before.url, scrapedAt: Date(timeIntervalSince1970: 1010), page: ExpositionParser.parse(model.page(elapsed: 10)))
        #expect(before.page.issues.isEmpty)
        let m = TiKVMetricQueries.directMetrics(previous: before, current: after)
        func close(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-6) -> Bool { a.map { abs($0 - b) <= tolerance * max(1, abs(b)) } ?? false }
        #expect(close(m.qps, 280))
        #expect(m.qpsByType["kv_gc"] == nil)
        #expect(close(m.qpsByType["kv_get"], 200))
        #expect(close(m.p99LatencySeconds, TiKVPageModel.expectedP99(model.grpcBuckets, bounds: TiKVPageModel.grpcBounds)))
        #expect(close(m.p99LatencySeconds, 0.0192))
        #expect(close(m.cpuCores, 0.75))
        #expect(close(m.raftstoreCPUCores, 0.25))
        #expect(close(m.cpuQuotaRatio, 0.1875))
        #expect(close(m.grpcFailuresPerSecond, 0.5))
        #expect(close(m.raftLogLagP99, TiKVPageModel.expectedP99(model.lagBuckets, bounds: TiKVPageModel.lagBounds)))
        #expect(close(m.appendLogP99Seconds, TiKVPageModel.expectedP99(model.appendBuckets, bounds: TiKVPageModel.durationBounds)))
        #expect(close(m.commitLogP99Seconds, TiKVPageModel.expectedP99(model.commitBuckets, bounds: TiKVPageModel.durationBounds)))
        #expect(close(m.applyLogP99Seconds, TiKVPageModel.expectedP99(model.applyBuckets, bounds: TiKVPageModel.durationBounds)))
        #expect(m.capacityBytes == 107_374_182_400)
        #expect(close(m.availableRatio, 0.6))
        #expect(m.leaderCount == 17)
        #expect(m.regionCount == 60)
        #expect(m.slowScore == 1)
        #expect(m.windowSeconds == 10)
    }

    @Test("the fixture page yields gauges from one scrape")
    func gaugesFromFixture() throws {
        let page = ExpositionParser.parse(try Fixtures.text("tikv/metrics.txt"))
        #expect(page.issues.isEmpty)
        let m = TiKVMetricQueries.gauges(page)
        #expect(m.availableRatio.map { abs($0 - 0.07) < 1e-9 } == true)
        #expect(m.leaderCount == 17)
        #expect(m.slowScore == 1)
        #expect(m.cpuQuotaCores == 4)
        #expect(m.qps == nil, "rates need two scrapes")
    }

    @Test("a restarted store (counters reset) still gives sensible rates")
    func counterReset() {
        let model = TiKVPageModel(baseSeconds: 0)
        let before = MetricsScrape(url: "u", scrapedAt: Date(timeIntervalSince1970: 0), page: ExpositionParser.parse(model.page(elapsed: 5000)))
        let after = MetricsScrape(url: "u", scrapedAt: Date(timeIntervalSince1970: 10), page: ExpositionParser.parse(model.page(elapsed: 10)))
        let m = TiKVMetricQueries.directMetrics(previous: before, current: after)
        #expect(m.cpuCores.map { abs($0 - 0.75) < 1e-9 } == true)
        #expect(m.qps.map { abs($0 - 280) < 1e-6 } == true)
    }

    @Test("non-finite values on a page give no value, and the metrics still encode as JSON")
    func nonFinite() throws {
        let before = MetricsScrape(url: "u", scrapedAt: Date(timeIntervalSince1970: 0), page: ExpositionParser.parse(
            "process_cpu_seconds_total NaN\ntikv_store_size_bytes{type=\"capacity\"} +Inf\ntikv_store_size_bytes{type=\"available\"} 5"))
        let after = MetricsScrape(url: "u", scrapedAt: Date(timeIntervalSince1970: 10), page: before.page)
        let m = TiKVMetricQueries.directMetrics(previous: before, current: after)
        #expect(m.cpuCores == nil)
        #expect(m.capacityBytes == nil)
        #expect(m.availableBytes == 5)
        #expect(m.availableRatio == nil)
        _ = try JSONEncoder().encode(m)
    }
}
