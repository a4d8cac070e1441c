import Foundation
import OperatorTestSupport
import Testing

@testable import SubjectEtcd

/// Gateway requests give up at their total deadline whatever stage the member stalls in.
@Suite("etcd gateway request deadlines")
struct GatewayRequestDeadlineTests {
    @Test func aMemberListDrippedByteByByteFailsAtTheDeadlineNamingTheURL() async throws {
        let server = try await MisbehavingHTTPServer.start(.dripBody(body: GatewayFixtures.memberList))
        defer { server.stop() }
        let outcome = try await withHangGuard { () -> EtcdGatewayError? in
            do throws(EtcdGatewayError) {
                _ = try await EtcdGatewayClient(timeout: .seconds(8)).memberList(at: server.baseURL)
                return nil
            } catch { return error }
        }
        let error = try #require(outcome, "a stalled member gave an answer")
        #expect(error.isUnreachable)
        #expect(error.url == server.baseURL + "/v3/cluster/member/list")
        #expect("\(error)".contains("body was still arriving at the 8s request deadline"), "\(error)")
    }

    @Test func aMemberThatNeverAnswersFailsAtTheDeadline() async throws {
        let server = try await MisbehavingHTTPServer.start(.neverAnswer)
        defer { server.stop() }
        let outcome = try await withHangGuard { () -> EtcdGatewayError? in
            do throws(EtcdGatewayError) {
                _ = try await EtcdGatewayClient(timeout: .seconds(8)).health(at: server.baseURL)
                return nil
            } catch { return error }
        }
        let error = try #require(outcome)
        #expect("\(error)".contains(server.baseURL + "/health"))
        #expect("\(error)".contains("no response headers within the 8s request deadline"), "\(error)")
    }
}
