import Foundation
import Testing

@testable import PrometheusClient

@Suite("Rates between two scrapes")
struct CounterRateTests {
    private func scrape(at seconds: Double, _ text: String) -> MetricsScrape {
        MetricsScrape(
            url: "http://127.0.0.1:20180/metrics", scrapedAt: Date(timeIntervalSince1970: seconds),
            page: ExpositionParser.parse(text))
    }

    @Test("per-series increase summed by label, like sum(rate(x[interval])) by (type)")
    func groupedRate() {
        let before = scrape(
            at: 1000,
            """
            tikv_grpc_msg_duration_seconds_count{type="kv_get",priority="high"} 100
            tikv_grpc_msg_duration_seconds_count{type="kv_get",priority="low"} 50
            tikv_grpc_msg_duration_seconds_count{type="kv_prewrite",priority="high"} 10
            tikv_grpc_msg_duration_seconds_count{type="kv_gc",priority="high"} 1
            """)
        let after = scrape(
            at: 1010,
            """
            tikv_grpc_msg_duration_seconds_count{type="kv_get",priority="high"} 300
            tikv_grpc_msg_duration_seconds_count{type="kv_get",priority="low"} 150
            tikv_grpc_msg_duration_seconds_count{type="kv_prewrite",priority="high"} 60
            tikv_grpc_msg_duration_seconds_count{type="kv_gc",priority="high"} 1001
            tikv_grpc_msg_duration_seconds_count{type="raw_put",priority="high"} 999
            """)
        let rates = after.rate(
            of: "tikv_grpc_msg_duration_seconds_count", since: before, matching: [.notEqual("type", "kv_gc")],
            by: ["type"])
        // raw_put appeared only in the second scrape: rate() needs two samples, so it is absent.
        #expect(rates == [["type": "kv_get"]: 30, ["type": "kv_prewrite"]: 5])
        let total = after.rate(
            of: "tikv_grpc_msg_duration_seconds_count", since: before, matching: [.notEqual("type", "kv_gc")])
        #expect(total == [[:]: 35])
    }

    @Test("a counter that went down was reset: the increase is the new value")
    func counterReset() {
        let before = scrape(at: 0, "process_cpu_seconds_total 500\nrequests_total{a=\"x\"} 40")
        let after = scrape(at: 5, "process_cpu_seconds_total 2\nrequests_total{a=\"x\"} 50")
        #expect(after.rate(of: "process_cpu_seconds_total", since: before) == [[:]: 0.4])
        #expect(after.rate(of: "requests_total", since: before) == [[:]: 2])
        #expect(CounterMath.increase(from: 10, to: 3) == 3)
        #expect(CounterMath.increase(from: 3, to: 10) == 7)
    }

    @Test("no interval, no rate: same or reversed scrape times give nothing")
    func zeroInterval() {
        let a = scrape(at: 10, "x_total 1")
        let b = scrape(at: 10, "x_total 5")
        #expect(b.rate(of: "x_total", since: a).isEmpty)
        #expect(a.rate(of: "x_total", since: b.shifted(by: 5)).isEmpty)
    }

    @Test("average over the interval is increase(_sum) / increase(_count)")
    func average() {
        let before = scrape(at: 0, "lat_sum{instance=\"a\"} 10\nlat_count{instance=\"a\"} 100")
        let after = scrape(at: 10, "lat_sum{instance=\"a\"} 12\nlat_count{instance=\"a\"} 110")
        #expect(after.average(of: "lat", since: before, by: ["instance"]) == [["instance": "a"]: 0.2])
    }
}
