import AsyncHTTPClient
import Foundation
import Hummingbird
import OperatorHTTP
import OperatorTestSupport
import PrometheusClient
import Testing

@Suite("Credentials from URL userinfo live in the HTTP layer and reach the server")
struct HTTPCredentialsTests {
    static let expected = "Basic " + Data("ops-user-x9:hunter2".utf8).base64EncodedString()

    /// A server that answers only requests carrying the right Basic credentials, as a proxy in front
    /// of PD, etcd or Prometheus would; everything else gets 401.
    static func guardedServer(log: RequestLog) async throws -> LoopbackServer {
        try await LoopbackServer.start { router in
            @Sendable func guarded(_ request: Request, _ body: String) -> CannedResponse {
                log.record(request, body: "")
                guard request.headers[.authorization] == expected else {
                    return CannedResponse(status: .unauthorized, contentType: "text/plain", body: "Unauthorized\n")
                }
                return CannedResponse(contentType: body.hasPrefix("{") ? "application/json" : "text/plain", body: body)
            }
            router.get("/api/v1/query") { request, _ -> CannedResponse in
                guarded(request, #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"etcd"},"value":[1795417505.688,"1"]}]}}"#)
            }
            router.get("/metrics") { request, _ -> CannedResponse in
                guarded(request, "# TYPE etcd_server_has_leader gauge\netcd_server_has_leader 1\n")
            }
        }
    }

    @Test("Lookup is by origin: scheme, host (any case) and port, with default ports filled in")
    func originMatching() {
        let table = HTTPCredentials()
        table.register(url: "http://PD0:2379", username: "u", password: "p")
        table.register(url: "https://prom.example", username: "v", password: "q")
        let pd = "Basic " + Data("u:p".utf8).base64EncodedString()
        #expect(table.authorization(for: "http://pd0:2379/pd/api/v1/members") == pd)
        #expect(table.authorization(for: "http://pd0:2379") == pd)
        #expect(table.authorization(for: "http://pd0:2380/pd/api/v1/members") == nil)
        #expect(table.authorization(for: "https://pd0:2379/") == nil)
        #expect(table.authorization(for: "http://pd1:2379/") == nil)
        #expect(table.authorization(for: "https://prom.example:443/api/v1/query") != nil)

        var request = HTTPClientRequest(url: "http://pd0:2379/pd/api/v1/stores")
        table.apply(to: &request)
        #expect(request.headers["authorization"] == [pd])
        var keyed = HTTPClientRequest(url: "http://pd0:2379/v1/chat/completions")
        keyed.headers.add(name: "Authorization", value: "Bearer model-key")
        table.apply(to: &keyed)
        #expect(keyed.headers["authorization"] == ["Bearer model-key"], "a request that authorizes itself keeps its header")
    }

    @Test("The Prometheus API client and the metrics scraper send the registered credentials; without them the server refuses")
    func clientsSendCredentials() async throws {
        let log = RequestLog()
        let server = try await Self.guardedServer(log: log)
        defer { server.stop() }
        let unregistered = PrometheusAPI(baseURL: server.baseURL, timeout: .seconds(20))
        await #expect(throws: (any Error).self) { try await unregistered.query("up") }
        #expect(log.all.last?.headers["authorization"] == nil)

        HTTPCredentials.shared.register(url: server.baseURL, username: "ops-user-x9", password: "hunter2")
        let samples = try await PrometheusAPI(baseURL: server.baseURL, timeout: .seconds(20)).queryVector("up")
        #expect(samples.count == 1)
        let scrape = try await MetricsScraper(url: server.baseURL + "/metrics", timeout: .seconds(20)).scrape()
        #expect(!scrape.page.samples.isEmpty)
        let sent = log.all.suffix(2).map { $0.headers["authorization"] }
        #expect(sent == [Self.expected, Self.expected])
    }
}
