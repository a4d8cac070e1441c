import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import OperatorCore
import OperatorTestSupport
import Synchronization
import Testing

extension EndToEnd {
    /// A re-diagnosis asked through the API (`POST /api/v1/incidents/{id}/diagnose`) runs in the HTTP
    /// server's tasks, outside the monitors; it must still use the cluster's credentials and TLS settings
    /// when it gathers evidence. Here the cluster's Prometheus requires basic auth (its password file named
    /// relative to operator.yaml, serve started elsewhere): the evidence's range queries must carry it.
    @Suite("operator serve: API re-diagnosis in the cluster's security scope")
    struct ServeScopedDiagnosisTests {
        final class PrometheusRequests: Sendable {
            let authorizedRange = Atomic<Int>(0)
            let anonymousRange = Atomic<Int>(0)
        }

        static let token = "scoped-diagnosis-token"

        static func post(_ url: String, _ body: String, token: String) async throws -> (status: Int, body: Any?) {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
            let data = try await response.body.collect(upTo: 16 << 20)
            return (Int(response.status.code), try? JSONSerialization.jsonObject(with: Data(data.readableBytesView)))
        }

        /// Prometheus's API shape with no series; 401 without `op`'s password, as Prometheus's web config answers.
        static func fakePrometheus(_ requests: PrometheusRequests) async throws -> LoopbackServer {
            let expected = "Basic " + Data("op:prom-pass".utf8).base64EncodedString()
            @Sendable func answer(_ request: Request, _ resultType: String, range: Bool) -> Response {
                guard request.headers[.authorization] == expected else {
                    if range { requests.anonymousRange.add(1, ordering: .relaxed) }
                    return Response(
                        status: .unauthorized, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "Unauthorized\n")))
                }
                if range { requests.authorizedRange.add(1, ordering: .relaxed) }
                let body = #"{"status":"success","data":{"resultType":"\#(resultType)","result":[]}}"#
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
            }
            return try await LoopbackServer.start { router in
                router.get("/api/v1/query_range") { request, _ in answer(request, "matrix", range: true) }
                router.get("/api/v1/query") { request, _ in answer(request, "vector", range: false) }
            }
        }

        @Test func reDiagnosisThroughTheAPIGathersEvidenceWithTheClustersCredentials() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let simulator = try OperatorBinary.start(["simulate", "run", "--port", "0", "--time-scale", "20", "--json"])
            defer { simulator.stop() }
            let endpoints = try await DemoAndIncidentTests.waitForJSON(simulator)
            let pd = endpoints["pd_urls"] as? [String] ?? []
            let stores = endpoints["stores"] as? [[String: Any]] ?? []
            let statusURL = try #require(stores.first { ($0["id"] as? Int) == 2 }?["status_url"] as? String)
            let statusAddress = statusURL.replacingOccurrences(of: "http://", with: "")
            let requests = PrometheusRequests()
            let prometheus = try await Self.fakePrometheus(requests)
            defer { prometheus.stop() }

            try "prom-pass\n".write(toFile: dir.file("prom-password"), atomically: true, encoding: .utf8)
            let config = dir.file("operator.yaml")
            try """
                db: \(dir.file("operator.db"))
                subject: tikv
                endpoints: [\(pd.joined(separator: ", "))]
                interval: 300ms
                prometheus: { url: "\(prometheus.baseURL)", basic_auth: { username: op, password_file: prom-password } }
                """.write(toFile: config, atomically: true, encoding: .utf8)
            // Started in another directory: the password file is found next to operator.yaml all the same.
            let serve = try OperatorBinary.start(
                ["serve", "--config", config, "--listen", "127.0.0.1:0", "--request-timeout", "20s"],
                environment: ["OPERATOR_API_TOKEN": Self.token], directory: PackagePaths.root.path)
            defer { serve.stop() }
            let base = try await ServeEndToEndTests.servingURL(serve)
            try await DemoAndIncidentTests.eventually("the cluster observed", timeout: .seconds(240)) {
                let list = try await ServeEndToEndTests.get(base + "/api/v1/clusters").body as? [[String: Any]] ?? []
                return (list.first?["ticks"] as? Int ?? 0) >= 2
            }

            // Alertmanager says store 2 is down: an incident on store:2, which no monitor tick resolves.
            let alert: [String: Any] = [
                "status": "firing",
                "labels": ["alertname": "TiKV_server_is_down", "instance": statusAddress, "group": "tikv", "level": "emergency"],
                "annotations": ["summary": "TiKV server \(statusAddress) is down"],
                "startsAt": Timestamp.format(Date()), "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prom:9090/graph", "fingerprint": "5a0c6f3e81b2d947",
            ]
            let delivery: [String: Any] = [
                "receiver": "operator", "status": "firing", "alerts": [alert], "groupLabels": ["alertname": "TiKV_server_is_down"],
                "commonLabels": [String: String](), "commonAnnotations": [String: String](), "externalURL": "http://am:9093",
                "version": "4", "groupKey": "{}:{alertname=\"TiKV_server_is_down\"}", "truncatedAlerts": 0,
            ]
            let payload = String(decoding: try JSONSerialization.data(withJSONObject: delivery), as: UTF8.self)
            let received = try await Self.post(base + "/api/v1/alerts/alertmanager?cluster=default", payload, token: Self.token)
            #expect(received.status == 200, "\(received.body ?? "")")
            var incidentID: Int?
            try await DemoAndIncidentTests.eventually("the store:2 incident", timeout: .seconds(120)) {
                let page = try await ServeEndToEndTests.get(base + "/api/v1/incidents").body as? [String: Any]
                incidentID = (page?["items"] as? [[String: Any]] ?? []).first { $0["root_entity"] as? String == "store:2" }?["id"] as? Int
                return incidentID != nil
            }
            let id = try #require(incidentID)
            #expect(requests.authorizedRange.load(ordering: .relaxed) == 0, "no diagnosis ran before the API asked for one")

            let diagnosed = try await Self.post(base + "/api/v1/incidents/\(id)/diagnose", #"{"diagnoser":"offline"}"#, token: Self.token)
            #expect(diagnosed.status == 200, "\(diagnosed.body ?? "")")
            // The evidence's metric windows were asked of Prometheus with the cluster's credentials.
            #expect(requests.authorizedRange.load(ordering: .relaxed) > 0)
            #expect(requests.anonymousRange.load(ordering: .relaxed) == 0, "a range query went out without the cluster's credentials")
            let store = try SQLiteTicketStore(path: dir.file("operator.db"))
            let context = try #require(try await store.diagnosisContext(incidentID: Int64(id)))
            let failedWindows = context.evidence.notes.filter { $0.contains("metric window") }
            #expect(failedWindows.isEmpty, "\(failedWindows)")
            #expect(!serve.stderrSoFar.contains("prom-pass") && !serve.stderrSoFar.contains(Self.token))
        }
    }
}
