import Foundation
import Hummingbird
import OperatorTestSupport
import Testing

@testable import PrometheusClient

@Suite("Scraping one /metrics URL over HTTP")
struct MetricsScraperTests {
    private func exporter() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/metrics") { _, _ -> CannedResponse in
            CannedResponse(
                contentType: "text/plain; version=0.0.4; charset=utf-8",
                body: """
                    # HELP tikv_store_size_bytes Size of storage.
                    # TYPE tikv_store_size_bytes gauge
                    tikv_store_size_bytes{type="capacity"} 107374182400
                    tikv_store_size_bytes{type="available"} 7516192768
                    this line is broken
                    tikv_raftstore_region_count{type="leader"} 17
                    """)
        }
        router.get("/html") { _, _ -> CannedResponse in
            CannedResponse(contentType: "text/html", body: "<!DOCTYPE html><html><body>Grafana</body></html>")
        }
        router.get("/json") { _, _ -> CannedResponse in
            CannedResponse(body: #"{"status":"success"}"#)
        }
        router.get("/fail") { _, _ -> CannedResponse in
            CannedResponse(status: .internalServerError, contentType: "text/plain", body: "boom")
        }
        return router
    }

    @Test("a page is parsed; a broken line is counted, not fatal")
    func scrapes() async throws {
        try await withLocalHTTPServer(exporter()) { url in
            let scrape = try await MetricsScraper(url: url + "/metrics", timeout: .seconds(20)).scrape()
            #expect(scrape.url == url + "/metrics")
            #expect(scrape.page.value("tikv_store_size_bytes", ["type": "available"]) == 7_516_192_768)
            #expect(scrape.page.value("tikv_raftstore_region_count", ["type": "leader"]) == 17)
            #expect(scrape.page.issues.map(\.line) == [5])
        }
    }

    @Test("wrong endpoints give errors naming the URL")
    func wrongEndpoints() async throws {
        try await withLocalHTTPServer(exporter()) { url in
            for (path, expected) in [
                ("/html", MetricsScrapeError.Reason.notExpositionFormat), ("/json", .notExpositionFormat),
                ("/fail", .httpStatus(500)), ("/nope", .httpStatus(404)),
            ] {
                let error = await #expect(throws: MetricsScrapeError.self) {
                    try await MetricsScraper(url: url + path, timeout: .seconds(20)).scrape()
                }
                #expect(error?.reason == expected, "\(path)")
                #expect(error?.description.contains(url + path) == true, "\(path)")
            }
        }
    }

    @Test("a dead exporter is unreachable")
    func dead() async throws {
        let port = try closedLocalPort()
        let url = "http://127.0.0.1:\(port)/metrics"
        let error = await #expect(throws: MetricsScrapeError.self) {
            try await MetricsScraper(url: url, timeout: .seconds(2)).scrape()
        }
        #expect(error?.reason == .unreachable)
        print("dead exporter: \(error.map(String.init(describing:)) ?? "-")")
        #expect(error?.description.contains(url) == true)
    }
}
