import Foundation
import OperatorTestSupport
import Testing

extension EndToEnd {
    /// `operator check` against a cluster that answers too slowly gives up at `--request-timeout` and
    /// exits 2 ("could not observe") with an error naming the URL and what was slow — it does not hang.
    @Suite("operator check against stalled endpoints")
    struct StalledClusterTests {
        @Test func checkAgainstAPDDrippingItsBodyExitsTwoAtTheDeadline() async throws {
            let stores = #"{"count":1,"stores":[{"store":{"id":1,"address":"127.0.0.1:20160","version":"8.5.0","status_address":"127.0.0.1:20180","state_name":"Up"},"status":{"capacity":"100GiB","available":"60GiB","leader_count":1,"region_count":3,"last_heartbeat_ts":"2026-11-27T10:00:00Z"}}]}"#
            let server = try await MisbehavingHTTPServer.start(.dripBody(body: stores))
            defer { server.stop() }
            let result = try await OperatorBinary.run(
                ["check", "--subject", "tikv", "--endpoints", server.baseURL, "--request-timeout", "8s"], timeout: .seconds(100))
            #expect(result.status == 2, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
            #expect(result.stderr.contains(server.baseURL + "/pd/api/v1/"), "\(result.stderr)")
            #expect(result.stderr.contains("body was still arriving at the 8s request deadline"), "\(result.stderr)")
        }

        @Test func checkAgainstAnEtcdMemberThatNeverAnswersExitsTwoAtTheDeadline() async throws {
            let server = try await MisbehavingHTTPServer.start(.neverAnswer)
            defer { server.stop() }
            let result = try await OperatorBinary.run(
                ["check", "--subject", "etcd", "--endpoints", server.baseURL, "--request-timeout", "8s"], timeout: .seconds(100))
            #expect(result.status == 2, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
            #expect(result.stderr.contains(server.baseURL + "/v3/"), "\(result.stderr)")
            #expect(result.stderr.contains("no response headers within the 8s request deadline"), "\(result.stderr)")
        }
    }
}
