import Foundation
import OperatorTestSupport
import SubjectTiKV
import Testing

/// Every PD and store request gives up at its total deadline, whatever stage the server stalls in, with
/// an error naming the URL and the stage. The hang guard only turns a regression into a failure.
@Suite struct RequestDeadlineTests {
    /// Long enough that a loaded test machine still delivers a dripping server's headers before it; the
    /// dripped body (1 byte/s) never completes within it.
    static let deadline = Duration.seconds(8)

    enum Stall: String, CaseIterable, Sendable {
        case dripBody, neverAnswer, acceptOnly
        func behaviour(body: String) -> MisbehavingHTTPServer.Behaviour {
            switch self {
            case .dripBody: return .dripBody(body: body)
            case .neverAnswer: return .neverAnswer
            case .acceptOnly: return .acceptOnly
            }
        }
        var words: String {
            switch self {
            case .dripBody: return "body was still arriving"
            case .neverAnswer, .acceptOnly: return "no response headers"
            }
        }
    }

    @Test(arguments: Stall.allCases)
    func pdClientFailsAtItsDeadlineNamingTheURLAndTheStage(_ stall: Stall) async throws {
        let body = try Fixtures.text("pd/stores.json")
        let server = try await MisbehavingHTTPServer.start(stall.behaviour(body: body))
        defer { server.stop() }
        let client = PDClient(endpoints: [server.baseURL], timeout: Self.deadline)
        let outcome = try await withHangGuard { () -> PDClientError? in
            do throws(PDClientError) {
                _ = try await client.get(PDAPI.stores)
                return nil
            } catch { return error }
        }
        let error = try #require(outcome, "a stalled PD gave an answer")
        let text = "\(error)"
        #expect(text.contains(server.baseURL + "/pd/api/v1/stores"), "\(text)")
        #expect(text.contains("8s request deadline"), "\(text)")
        #expect(text.contains(stall.words), "\(text)")
        if case .unreachable = error.kind {} else { Issue.record("a stalled PD is unreachable, not \(error.kind)") }
    }

    @Test func aStoreMetricsScrapeFailsAtItsDeadline() async throws {
        let page = try Fixtures.text("tikv/metrics.txt")
        let server = try await MisbehavingHTTPServer.start(.dripBody(body: page, contentType: "text/plain; version=0.0.4"))
        defer { server.stop() }
        let address = server.baseURL.replacingOccurrences(of: "http://", with: "")
        let source = DirectStoreMetricsSource(timeout: Self.deadline, warmup: .zero)
        let reading = try await withHangGuard {
            await source.read([StoreMetricsTarget(storeID: 1, statusAddress: address)])
        }
        let errors = (Array(reading.errors.values) + Array(reading.statusErrors.values)).joined(separator: " ")
        #expect(errors.contains(server.baseURL + "/metrics"), "\(reading)")
        #expect(errors.contains("body was still arriving at the 8s request deadline"), "\(reading)")
    }
}
