import Foundation
import OperatorTestSupport
import Testing
import TiKVSimulator

/// `operator simulate` against something that stalls gives up at the control client's deadline.
@Suite struct ControlClientDeadlineTests {
    @Test func aControlEndpointDrippingItsAnswerFailsAtTheDeadline() async throws {
        let server = try await MisbehavingHTTPServer.start(.dripBody(body: #"{"stores":[],"faults":[],"qps":0}"#))
        defer { server.stop() }
        var configured = TiKVSimulatorControlClient(baseURL: server.baseURL)
        configured.timeout = .seconds(8)
        let client = configured
        let outcome = try await withHangGuard { () -> TiKVSimulatorError? in
            do throws(TiKVSimulatorError) {
                _ = try await client.state()
                return nil
            } catch { return error }
        }
        let error = try #require(outcome)
        #expect("\(error)".contains(server.baseURL + "/simulator/v1/state"), "\(error)")
        #expect("\(error)".contains("body was still arriving at the 8s request deadline"), "\(error)")
    }
}
