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
    
        /// `operator monitor` with a tick budget below the request budget: the observation-failed ticket
        /// names the request the tick was stuck on, through the CLI's in-flight registry.
        @Test func aMonitorTickTimeoutNamesTheStalledRequest() async throws {
            let stores = #"{"count":1,"stores":[{"store":{"id":1,"address":"127.0.0.1:20160","state_name":"Up"},"status":{}}]}"#
            let server = try await MisbehavingHTTPServer.start(.dripBody(body: stores))
            defer { server.stop() }
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let db = dir.file("operator.db")
            let monitor = try OperatorBinary.start([
                "monitor", "--subject", "tikv", "--endpoints", server.baseURL, "--interval", "1s", "--tick-timeout", "8s",
                "--request-timeout", "120s", "--db", db,
            ])
            defer { monitor.stop() }
            var message = ""
            let deadline = ContinuousClock.now + .seconds(90)
            while ContinuousClock.now < deadline, monitor.process.isRunning {
                let list = try await OperatorBinary.run(["tickets", "list", "--db", db, "--json"])
                let tickets = (list.json as? [[String: Any]]) ?? []
                if let failed = tickets.first(where: { $0["invariant"] as? String == "observation-failed" }) {
                    message = failed["message"] as? String ?? ""
                    break
                }
                try await Task.sleep(for: .milliseconds(500))
            }
            #expect(message.contains("observation did not finish within 8s"), "\(message) \(monitor.stderrSoFar.suffix(500))")
            #expect(message.contains("still waiting on GET \(server.baseURL)/pd/api/v1/"), "\(message)")
            #expect(message.contains("reading the body"), "\(message)")
        }
    }
}
