import Foundation
import Hummingbird
import OperatorCore
import OperatorTestSupport
import Testing

@testable import SubjectEtcd

/// A fake etcd member over real HTTP, answering with etcd 3.4.23's shapes (§A). `health` and `status`
/// bodies are scripted per test.
func fakeMember(
    log: RequestLog = RequestLog(), memberList: String = GatewayFixtures.memberList, status: CannedResponse? = nil,
    health: CannedResponse? = nil
) -> Router<BasicRequestContext> {
    let router = Router()
    router.post("/v3/cluster/member/list") { request, _ -> CannedResponse in
        let body = try await request.body.collect(upTo: 1024)
        log.record(request, body: String(buffer: body))
        return CannedResponse(body: memberList)
    }
    router.post("/v3/maintenance/status") { request, _ -> CannedResponse in
        log.record(request, body: "")
        return status ?? CannedResponse(body: GatewayFixtures.status)
    }
    router.get("/health") { request, _ -> CannedResponse in
        log.record(request, body: "")
        return health ?? CannedResponse(contentType: "text/plain; charset=utf-8", body: GatewayFixtures.healthy)
    }
    router.get("/version") { _, _ -> CannedResponse in CannedResponse(body: GatewayFixtures.version) }
    return router
}

@Suite("etcd gateway client over HTTP")
struct GatewayClientTests {
    @Test("member list is a POST with an empty JSON object, like etcdctl's gateway calls")
    func postsEmptyObject() async throws {
        let log = RequestLog()
        try await withLocalHTTPServer(fakeMember(log: log)) { url in
            let client = EtcdGatewayClient(timeout: .seconds(20))
            let list = try await client.memberList(at: url + "/")
            #expect(list.members.count == 3)
            let entry = try #require(log.all.first { $0.path == "/v3/cluster/member/list" })
            #expect(entry.method == "POST")
            #expect(entry.body == "{}")
            #expect(try await client.version(at: url) == EtcdVersionResponse(server: "3.4.23", cluster: "3.4.0"))
        }
    }

    @Test("503 {\"health\":\"false\"} is an unhealthy answer, not an error")
    func unhealthyIsAnAnswer() async throws {
        let router = fakeMember(health: CannedResponse(status: .serviceUnavailable, contentType: "text/plain", body: GatewayFixtures.unhealthy))
        try await withLocalHTTPServer(router) { url in
            let health = try await EtcdGatewayClient(timeout: .seconds(20)).health(at: url)
            #expect(!health.healthy)
            #expect(health.httpStatus == 503)
        }
    }

    @Test("errors name the URL: malformed body, gateway error message, refused connection")
    func errorsNameTheURL() async throws {
        let router = fakeMember(
            memberList: #"{"members":[{"ID":"not-a-number","name":"e1"}]}"#,
            status: CannedResponse(status: .serviceUnavailable, body: GatewayFixtures.leaderChanged))
        try await withLocalHTTPServer(router) { url in
            let client = EtcdGatewayClient(timeout: .seconds(20))
            let bad = await #expect(throws: EtcdGatewayError.self) { try await client.memberList(at: url) }
            #expect(bad?.description.contains("\(url)/v3/cluster/member/list") == true)
            #expect(bad?.description.contains("field members[0].ID") == true)
            #expect(bad?.isUnreachable == false)

            let status = await #expect(throws: EtcdGatewayError.self) { try await client.status(at: url) }
            #expect(status?.kind == .httpStatus(503, "etcdserver: leader changed"))
        }
        let port = try closedLocalPort()
        let dead = await #expect(throws: EtcdGatewayError.self) {
            try await EtcdGatewayClient(timeout: .seconds(5)).status(at: "http://127.0.0.1:\(port)")
        }
        #expect(dead?.isUnreachable == true)
        #expect(dead?.description.contains("http://127.0.0.1:\(port)/v3/maintenance/status: connection refused") == true)
    }

    @Test("observation fails only when no endpoint answers the member list, naming every endpoint")
    func observationFailsWhenNoEndpointAnswers() async throws {
        let ports = try closedLocalPorts(2)
        let subject = try EtcdSubject(
            configuration: SubjectConfiguration(endpoints: ports.map { "http://127.0.0.1:\($0)" }, requestTimeout: .seconds(2)))
        let error = await #expect(throws: EtcdUnobservableError.self) { try await subject.observe() }
        for port in ports { #expect(error?.description.contains("127.0.0.1:\(port)") == true) }
        #expect(error?.description.contains("--endpoints") == true)
    }
}
