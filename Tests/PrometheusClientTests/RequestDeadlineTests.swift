import Foundation
import OperatorTestSupport
import Testing

@testable import PrometheusClient

/// Prometheus API calls and scrapes give up at their total deadline whatever stage the server stalls in.
@Suite struct PrometheusRequestDeadlineTests {
    /// Long enough that a loaded test machine still delivers a dripping server's headers before it; the
    /// dripped body (1 byte/s) never completes within it.
    static let deadline = Duration.seconds(8)

    @Test func anAPIAnswerDrippedByteByByteFailsAtTheDeadlineNamingTheQuery() async throws {
        let body = #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","instance":"127.0.0.1:22379","job":"etcd"},"value":[1795417505.688,"1"]}]}}"#
        let server = try await MisbehavingHTTPServer.start(.dripBody(body: body))
        defer { server.stop() }
        let api = PrometheusAPI(baseURL: server.baseURL, timeout: Self.deadline)
        let outcome = try await withHangGuard { () -> PrometheusAPIError? in
            do {
                _ = try await api.queryVector("up")
                return nil
            } catch let error as PrometheusAPIError { return error }
        }
        let error = try #require(outcome)
        let text = "\(error)"
        #expect(text.contains(server.baseURL), "\(text)")
        #expect(text.contains("up"), "\(text)")
        #expect(text.contains("body was still arriving at the 8s request deadline"), "\(text)")
    }

    @Test func aScrapeOfAPageThatNeverComesFailsAtTheDeadline() async throws {
        let server = try await MisbehavingHTTPServer.start(.neverAnswer)
        defer { server.stop() }
        let url = server.baseURL + "/metrics"
        let outcome = try await withHangGuard { () -> MetricsScrapeError? in
            do {
                _ = try await MetricsScraper(url: url, timeout: Self.deadline).scrape()
                return nil
            } catch let error as MetricsScrapeError { return error }
        }
        let error = try #require(outcome)
        #expect(error.reason == .unreachable)
        #expect("\(error)".contains(url))
        #expect("\(error)".contains("no response headers within the 8s request deadline"), "\(error)")
    }

    @Test func aScrapeDrippedByteByByteFailsAtTheDeadline() async throws {
        let page = "# TYPE up gauge\nup 1\n" + String(repeating: "process_cpu_seconds_total 12.5\n", count: 50)
        let server = try await MisbehavingHTTPServer.start(.dripBody(body: page, contentType: "text/plain; version=0.0.4"))
        defer { server.stop() }
        let url = server.baseURL + "/metrics"
        let outcome = try await withHangGuard { () -> MetricsScrapeError? in
            do {
                _ = try await MetricsScraper(url: url, timeout: Self.deadline).scrape()
                return nil
            } catch let error as MetricsScrapeError { return error }
        }
        let error = try #require(outcome)
        #expect("\(error)".contains("body was still arriving"), "\(error)")
    }
}
