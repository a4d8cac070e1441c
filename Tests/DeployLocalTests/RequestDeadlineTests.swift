import Foundation
import OperatorTestSupport
import Testing

@testable import DeployLocal

/// Health probes and member-directory reads give up at their total deadline.
@Suite struct DeployRequestDeadlineTests {
    @Test func aHealthProbeAgainstADrippingServerIsUnhealthyAtTheDeadline() async throws {
        let server = try await MisbehavingHTTPServer.start(.dripBody(body: #"{"health":"true","reason":""}"#))
        defer { server.stop() }
        let url = server.baseURL + "/health"
        let result = try await withHangGuard { await HealthProbe.check(url, timeout: .seconds(8)) }
        let reason = try #require(result.reason, "a dripping health endpoint is not healthy")
        #expect(reason.contains("GET \(url) failed"), "\(reason)")
        #expect(reason.contains("body was still arriving at the 8s request deadline"), "\(reason)")
    }

    @Test func aMemberDirectoryThatNeverAnswersFailsAtTheDeadline() async throws {
        let server = try await MisbehavingHTTPServer.start(.neverAnswer)
        defer { server.stop() }
        let url = server.baseURL + "/pd/api/v1/stores"
        let outcome = try await withHangGuard { () -> ComposeError? in
            do throws(ComposeError) {
                _ = try await MemberDirectoryClient.fetch(url, timeout: .seconds(8))
                return nil
            } catch { return error }
        }
        let error = try #require(outcome)
        #expect("\(error)".contains(url), "\(error)")
        #expect("\(error)".contains("no response headers within the 8s request deadline"), "\(error)")
    }
}
