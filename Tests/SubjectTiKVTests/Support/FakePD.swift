import OperatorTestSupport
import Foundation
import Hummingbird
import Synchronization

@testable import SubjectTiKV

/// Paths a fake server was asked for, in order.
final class RequestLog: Sendable {
    private let paths = Mutex<[String]>([])

    func record(_ path: String) { paths.withLock { $0.append(path) } }
    var all: [String] { paths.withLock { $0 } }
    func count(_ path: String) -> Int { all.filter { $0 == path }.count }
}

struct RecordingMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let log: RequestLog

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        log.record(request.uri.path)
        return try await next(request, context)
    }
}

/// A store as the fake PD reports it. JSON follows PD's Go encoding (tikv-interfaces.md §1.2): no `state`
/// key for Up (0 is omitted), `node_state` 1 for Serving, byte sizes as `%.4g` + binary unit strings.
struct FakeStore: Sendable {
    var id: UInt64
    var stateName = "Up"
    var statusAddress: String
    var capacity = "100GiB"
    var available = "60GiB"
    var leaderCount = 10
    var regionCount = 30
    var slowScore = 1
    var lastHeartbeatAgo: Double = 3

    var json: String {
        let now = Date().timeIntervalSince1970
        let heartbeat = now - lastHeartbeatAgo
        return """
            {"store":{"id":\(id),"address":"127.0.0.1:2016\(id)","version":"8.5.0","peer_address":"127.0.0.1:2016\(id)",\
            "status_address":"\(statusAddress)","git_hash":"a5f6b2c3","start_timestamp":\(Int(now) - 3600),"deploy_path":"/",\
            "last_heartbeat":\(Int64(heartbeat * 1e9)),"node_state":1,"state_name":"\(stateName)"},\
            "status":{"capacity":"\(capacity)","available":"\(available)","used_size":"20GiB",\
            "leader_count":\(leaderCount),"leader_weight":1,"leader_score":\(leaderCount),"leader_size":\(leaderCount),\
            "region_count":\(regionCount),"region_weight":1,"region_score":\(regionCount),"region_size":\(regionCount),\
            "slow_score":\(slowScore),"start_ts":"2024-12-25T03:05:03Z","last_heartbeat_ts":"\(Self.rfc3339(heartbeat))",\
            "uptime":"1h0m0.5s"}}
            """
    }

    static func rfc3339(_ seconds: Double) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: seconds))
    }
}

/// Serves PD's HTTP API from fixtures and the given stores, and PD's own `/metrics`.
///
/// `regionChecks` answers `/regions/check/<state>` instead of the fixture (`RegionsCheckBody`), and
/// `largeMetrics` serves `/metrics` as a streamed page (a large cluster's 150 MB one).
func fakePDRouter(
    stores: [FakeStore], log: RequestLog, members: String? = nil, health: String? = nil, pdMetrics: String? = nil,
    regionChecks: [PDRegionCheck: StreamedBody] = [:], largeMetrics: StreamedBody? = nil,
    storesOverride: (@Sendable () -> CannedResponse?)? = nil
) throws -> Router<BasicRequestContext> {
    let members = try members ?? Fixtures.text("pd/members.json")
    let health = try health ?? Fixtures.text("pd/health.json")
    let pdMetrics = try pdMetrics ?? Fixtures.text("pd/metrics.txt")
    let schedule = try Fixtures.text("pd/config_schedule.json")
    let replicate = try Fixtures.text("pd/config_replicate.json")
    let count = try Fixtures.text("pd/regions_count.json")
    let missPeer = try Fixtures.text("pd/regions_check_miss-peer.json")
    var checkFixtures: [PDRegionCheck: String] = [:]
    for check in PDRegionCheck.allCases { checkFixtures[check] = try Fixtures.text("pd/regions_check_\(check.rawValue).json") }
    let storesJSON = "{\"count\":\(stores.count),\"stores\":[" + stores.map(\.json).joined(separator: ",") + "]}"

    let router = Router()
    router.middlewares.add(RecordingMiddleware(log: log))
    router.get("/pd/api/v1/members") { _, _ in CannedResponse(body: members) }
    router.get("/pd/api/v1/health") { _, _ in CannedResponse(body: health) }
    // `storesOverride` answers instead while it returns a response (a proxy's 502 page, a garbled body).
    router.get("/pd/api/v1/stores") { _, _ in storesOverride?() ?? CannedResponse(body: storesJSON) }
    router.get("/pd/api/v1/regions/count") { _, _ in CannedResponse(body: count) }
    for check in PDRegionCheck.allCases {
        let fixture = checkFixtures[check] ?? ""
        let streamed = regionChecks[check]
        router.get("/pd/api/v1/regions/check/\(check.rawValue)") { _, _ -> Response in
            streamed?.response(contentType: "application/json") ?? CannedResponse(body: fixture).response
        }
    }
    router.get("/pd/api/v1/config/schedule") { _, _ in CannedResponse(body: schedule) }
    router.get("/pd/api/v1/config/replicate") { _, _ in CannedResponse(body: replicate) }
    // Real shape, so a client calling it would get an answer: the tests assert it is never asked for.
    router.get("/pd/api/v1/regions") { _, _ in CannedResponse(body: missPeer) }
    router.get("/metrics") { _, _ -> Response in
        let contentType = "text/plain; version=0.0.4; charset=utf-8"
        return largeMetrics?.response(contentType: contentType) ?? CannedResponse(contentType: contentType, body: pdMetrics).response
    }
    return router
}

/// A TiKV status server: `/status` 200 with an empty body, `/metrics` in the text format.
func fakeTiKVStatusRouter(metrics: @escaping @Sendable () -> String, log: RequestLog? = nil) -> Router<BasicRequestContext> {
    let router = Router()
    if let log { router.middlewares.add(RecordingMiddleware(log: log)) }
    router.get("/status") { _, _ in CannedResponse(contentType: "text/plain", body: "") }
    router.get("/metrics") { _, _ in CannedResponse(contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics()) }
    return router
}

/// PD's `RegionsInfo` for `/regions/check/<state>`, streamed: `{"count":N,"regions":[...]}` with `count`
/// first as PD writes it (`pkg/response/region.go`) and about 0.8 KB of `RegionInfo` per region
/// (tikv-at-scale.md §1.1), each region with a peer down on `downStore`. Past the first 100 regions the
/// server paces itself (2 ms a region), so a client that reads the whole list takes a minute.
func regionsCheckBody(count: Int, downStore: UInt64 = 2) -> StreamedBody {
    StreamedBody(prefix: "{\"count\":\(count),\"regions\":[", pieceCount: count, suffix: "]}", burst: 100) { i in
        let id = 1000 + i * 4
        let start = String(format: "7480000000000000FF%02X5F728000000000%06X", i % 256, i)
        let end = String(format: "7480000000000000FF%02X5F728000000000%06X", i % 256, i + 1)
        return (i == 0 ? "" : ",") + """
            {"id":\(id),"start_key":"\(start)","end_key":"\(end)","epoch":{"conf_ver":5,"version":\(60 + i % 40)},\
            "peers":[{"role_name":"Voter","id":\(id + 1),"store_id":1},{"role_name":"Voter","id":\(id + 2),"store_id":\(downStore)},\
            {"role_name":"Voter","id":\(id + 3),"store_id":3}],"leader":{"role_name":"Voter","id":\(id + 1),"store_id":1},\
            "down_peers":[{"down_seconds":\(600 + i % 60),"peer":{"role_name":"Voter","id":\(id + 2),"store_id":\(downStore)}}],\
            "pending_peers":[{"role_name":"Voter","id":\(id + 2),"store_id":\(downStore)}],"cpu_usage":0,"written_bytes":\(i % 997),\
            "read_bytes":0,"written_keys":\(i % 31),"read_keys":0,"approximate_size":96,"approximate_keys":\(960_000 + i % 1000),\
            "approximate_kv_size":88}
            """
    }
}

/// A PD `/metrics` page of about `megabytes` MB, streamed: the pre-8.5.5 scheduler series that grow with
/// stores squared (tikv-at-scale.md §1.5), written in 64 KB pieces, plus the region-health gauge.
func largePDMetricsPage(megabytes: Int) -> StreamedBody {
    let piece: @Sendable (Int) -> String = { i in
        var text = ""
        var to = 0
        while text.utf8.count < 64_000 {
            let from = i % 500
            text += "pd_scheduler_hot_region_direction{direction=\"out\",scheduler=\"balance-hot-region-scheduler\",store=\"\(from)\",type=\"move-leader\",target=\"\(to)\"} \(from * to % 97)\n"
            to += 1
        }
        return text
    }
    return StreamedBody(
        prefix: "# HELP pd_regions_status Status of the regions.\n# TYPE pd_regions_status gauge\n"
            + "pd_regions_status{type=\"down-peer-region-count\"} 0\n"
            + "# HELP pd_scheduler_hot_region_direction Counter of hot region direction.\n"
            + "# TYPE pd_scheduler_hot_region_direction counter\n",
        pieceCount: megabytes * 1_000_000 / 64_000, piece: piece)
}
