import Foundation
import Hummingbird
import OperatorTestSupport
import Synchronization
import Testing

extension EndToEnd {
    /// Issue 16's acceptance, through the binary: against a PD whose `/metrics` is 150 MB,
    /// `operator check --subject tikv` never fetches it and still reports `replication-degraded` from
    /// `/regions/check` (a 30,000-region down-peer list, cut short once its count is read).
    @Suite("operator check on a large TiKV cluster")
    struct LargeTiKVClusterCheckTests {
        static func fixture(_ name: String) throws -> String {
            try String(
                contentsOf: PackagePaths.root.appendingPathComponent("Tests/SubjectTiKVTests/Fixtures/pd/\(name)"),
                encoding: .utf8)
        }

        /// One TiKV store PD reports Disconnected (no heartbeat for 45 s), its status port closed: PD's Go
        /// encoding (tikv-interfaces.md §1.2).
        static func storesJSON(deadPort: Int) -> String {
            let heartbeat = Date().timeIntervalSince1970 - 45
            return """
                {"count":1,"stores":[{"store":{"id":2,"address":"127.0.0.1:20162","version":"8.5.0",\
                "status_address":"127.0.0.1:\(deadPort)","last_heartbeat":\(Int64(heartbeat * 1e9)),"node_state":1,\
                "state_name":"Disconnected"},"status":{"capacity":"100GiB","available":"60GiB","used_size":"20GiB",\
                "leader_count":0,"leader_weight":1,"region_count":30000,"region_weight":1,"slow_score":1,"uptime":"1h0m0s"}}]}
                """
        }

        @Test func checkNeverFetchesA150MBPDMetricsPageAndReportsReplicationDegradedFromRegionsCheck() async throws {
            let requests = PathLog.Paths()
            let pdMetrics = StreamedBody(prefix: "# TYPE pd_scheduler_store_status gauge\n", pieceCount: 150_000_000 / 64_000) { i in
                var text = ""
                var to = 0
                while text.utf8.count < 64_000 {
                    text += "pd_scheduler_store_status{address=\"s\(i % 500):20160\",store=\"\(i % 500)\",type=\"region_score\",target=\"\(to)\"} \(to)\n"
                    to += 1
                }
                return text
            }
            let downPeer = StreamedBody(prefix: #"{"count":30000,"regions":["#, pieceCount: 30_000, suffix: "]}", burst: 100) { i in
                (i == 0 ? "" : ",")
                    + #"{"id":\#(1000 + i * 4),"start_key":"7480000000000000FF\#(i)","end_key":"7480000000000000FF\#(i + 1)","#
                    + #""epoch":{"conf_ver":5,"version":60},"peers":[{"role_name":"Voter","id":\#(1001 + i * 4),"store_id":1},"#
                    + #"{"role_name":"Voter","id":\#(1002 + i * 4),"store_id":2},{"role_name":"Voter","id":\#(1003 + i * 4),"store_id":3}],"#
                    + #""leader":{"role_name":"Voter","id":\#(1001 + i * 4),"store_id":1},"down_peers":[{"down_seconds":700,"#
                    + #""peer":{"role_name":"Voter","id":\#(1002 + i * 4),"store_id":2}}],"approximate_size":96,"approximate_keys":960000}"#
            }
            let members = try Self.fixture("members.json")
            let health = try Self.fixture("health.json").replacingOccurrences(of: "\"health\": false", with: "\"health\": true")
            let schedule = try Self.fixture("config_schedule.json")
            let replicate = try Self.fixture("config_replicate.json")
            let count = try Self.fixture("regions_count.json")
            let stores = Self.storesJSON(deadPort: try closedLocalPort())
            let empty = #"{"count":0,"regions":[]}"#
            let pd = try await LoopbackServer.start { router in
                router.middlewares.add(PathLog(requests: requests))
                router.get("/pd/api/v1/members") { _, _ in CannedResponse(body: members) }
                router.get("/pd/api/v1/health") { _, _ in CannedResponse(body: health) }
                router.get("/pd/api/v1/stores") { _, _ in CannedResponse(body: stores) }
                router.get("/pd/api/v1/regions/count") { _, _ in CannedResponse(body: count) }
                router.get("/pd/api/v1/config/schedule") { _, _ in CannedResponse(body: schedule) }
                router.get("/pd/api/v1/config/replicate") { _, _ in CannedResponse(body: replicate) }
                router.get("/pd/api/v1/regions/check/down-peer") { _, _ in downPeer.response(contentType: "application/json") }
                for state in ["miss-peer", "pending-peer", "offline-peer", "extra-peer"] {
                    router.get(RouterPath("/pd/api/v1/regions/check/\(state)")) { _, _ in CannedResponse(body: empty) }
                }
                router.get("/metrics") { _, _ in pdMetrics.response(contentType: "text/plain; version=0.0.4") }
            }
            defer { pd.stop() }

            let result = try await OperatorBinary.run(["check", "--subject", "tikv", "--endpoints", pd.baseURL, "--json"])
            #expect(result.status == 1, "violations found: stdout \(result.stdout) stderr \(result.stderr)")
            let report = try #require(result.json as? [String: Any], "\(result.stdout)")
            let violations = report["violations"] as? [[String: Any]] ?? []
            let degraded = try #require(violations.first { $0["invariant"] as? String == "replication-degraded" }, "\(violations)")
            #expect(degraded["severity"] as? String == "critical")
            #expect((degraded["message"] as? String)?.contains("30000 down-peer of 1000000 regions") == true, "\(degraded)")
            #expect(violations.contains { $0["invariant"] as? String == "store-down" && $0["entity"] as? String == "store:2" })

            let paths = requests.all
            #expect(!paths.contains("/metrics"), "PD's /metrics is never requested: \(paths)")
            #expect(pdMetrics.bytesWritten == 0)
            #expect(paths.filter { $0 == "/pd/api/v1/regions/check/down-peer" }.count == 1)
            // The server paces the list after 100 regions: a client reading it all would take a minute.
            for _ in 0..<600 where downPeer.requestsEnded < 1 { try await Task.sleep(for: .milliseconds(50)) }  // hang guard
            #expect(downPeer.requestsEnded == 1)
            #expect(downPeer.requestsCompleted == 0, "the down-peer list was cut short after its count")
        }
    }
}

/// Records each request's path.
private struct PathLog: RouterMiddleware {
    typealias Context = BasicRequestContext

    final class Paths: Sendable {
        private let paths = Mutex<[String]>([])
        func append(_ path: String) { paths.withLock { $0.append(path) } }
        var all: [String] { paths.withLock { $0 } }
    }

    let requests: Paths

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        requests.append(request.uri.path)
        return try await next(request, context)
    }
}
