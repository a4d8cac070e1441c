import Foundation
import Hummingbird
import OperatorCore
import OperatorTestSupport
import Synchronization
import Testing

@testable import SubjectEtcd

/// An etcd 3.4 `/metrics` page with the families Operator reads (names and labels as in §A "Metrics"; the
/// leader's view, peers labelled by hex id). Counters and buckets are parameters so two scrapes differ.
func etcdMetricsPage(
    leaderChanges: Int, proposalsFailed: Int, fsyncBuckets: [Int], fsyncCount: Int, hasLeader: Int = 1, dbSize: Int = 20480
) -> String {
    let bounds = ["0.001", "0.002", "0.004", "0.008", "0.016", "0.032", "0.064", "0.128", "0.256", "0.512", "1.024", "2.048", "4.096", "8.192", "+Inf"]
    let fsync = zip(bounds, fsyncBuckets).map { #"etcd_disk_wal_fsync_duration_seconds_bucket{le="\#($0)"} \#($1)"# }
    return """
        # HELP etcd_server_has_leader Whether or not a leader exists. 1 is existence, 0 is not.
        # TYPE etcd_server_has_leader gauge
        etcd_server_has_leader \(hasLeader)
        # TYPE etcd_server_is_leader gauge
        etcd_server_is_leader 1
        # TYPE etcd_server_leader_changes_seen_total counter
        etcd_server_leader_changes_seen_total \(leaderChanges)
        # TYPE etcd_server_proposals_failed_total counter
        etcd_server_proposals_failed_total \(proposalsFailed)
        # TYPE etcd_server_proposals_pending gauge
        etcd_server_proposals_pending 0
        # TYPE etcd_server_proposals_committed_total gauge
        etcd_server_proposals_committed_total 17
        # TYPE etcd_server_proposals_applied_total gauge
        etcd_server_proposals_applied_total 17
        # TYPE etcd_server_quota_backend_bytes gauge
        etcd_server_quota_backend_bytes 2.147483648e+09
        # TYPE etcd_server_id gauge
        etcd_server_id{server_id="60b7da48219e4a34"} 1
        # TYPE etcd_network_active_peers gauge
        etcd_network_active_peers{Local="60b7da48219e4a34",Remote="1a8ce82d4d7953d"} 1
        etcd_network_active_peers{Local="60b7da48219e4a34",Remote="d4840de1ab8e89f9"} 0
        # TYPE etcd_network_peer_round_trip_time_seconds histogram
        etcd_network_peer_round_trip_time_seconds_bucket{To="1a8ce82d4d7953d",le="0.0001"} 0
        etcd_network_peer_round_trip_time_seconds_bucket{To="1a8ce82d4d7953d",le="0.0002"} 2
        etcd_network_peer_round_trip_time_seconds_bucket{To="1a8ce82d4d7953d",le="0.0004"} \(2 + leaderChanges)
        etcd_network_peer_round_trip_time_seconds_bucket{To="1a8ce82d4d7953d",le="+Inf"} \(2 + leaderChanges)
        etcd_network_peer_round_trip_time_seconds_sum{To="1a8ce82d4d7953d"} 0.0005
        etcd_network_peer_round_trip_time_seconds_count{To="1a8ce82d4d7953d"} \(2 + leaderChanges)
        # TYPE etcd_disk_wal_fsync_duration_seconds histogram
        \(fsync.joined(separator: "\n"))
        etcd_disk_wal_fsync_duration_seconds_sum 0.012
        etcd_disk_wal_fsync_duration_seconds_count \(fsyncCount)
        # TYPE etcd_mvcc_db_total_size_in_bytes gauge
        etcd_mvcc_db_total_size_in_bytes \(dbSize)
        """
}

@Suite("etcd metrics sources")
struct MetricsSourceTests {
    @Test("scraping /metrics twice gives increases and a p99 over the window, with counter resets handled")
    func scrapeWindow() async throws {
        // 1st: 17 fsyncs all under 2 ms. 2nd: +20 fsyncs, 10 of them between 0.512 s and 1.024 s.
        // 3rd: the member restarted (counters back near zero).
        let script = ResponseScript([
            CannedResponse(
                contentType: "text/plain; version=0.0.4",
                body: etcdMetricsPage(leaderChanges: 1, proposalsFailed: 0, fsyncBuckets: [5, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17], fsyncCount: 17)),
            CannedResponse(
                contentType: "text/plain; version=0.0.4",
                body: etcdMetricsPage(leaderChanges: 3, proposalsFailed: 2, fsyncBuckets: [10, 27, 27, 27, 27, 27, 27, 27, 27, 27, 37, 37, 37, 37, 37], fsyncCount: 37)),
            CannedResponse(
                contentType: "text/plain; version=0.0.4",
                body: etcdMetricsPage(leaderChanges: 1, proposalsFailed: 0, fsyncBuckets: [1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2], fsyncCount: 2)),
        ])
        let router = Router()
        router.get("/metrics") { _, _ in script.next() }
        try await withLocalHTTPServer(router) { url in
            let source = ScrapedMetricsSource(timeout: .seconds(20))
            let target = EtcdMetricsTarget(id: EtcdMemberID(hex: GatewayFixtures.e1)!, clientURL: url)

            let first = try #require(await source.read([target], window: .seconds(300)).members[target.id])
            #expect(first.hasLeader == true && first.isLeader == true)
            #expect(first.dbTotalSizeBytes == 20480 && first.quotaBackendBytes == 2_147_483_648)
            #expect(first.leaderChangesInWindow == nil, "one reading is no window")
            #expect(first.walFsyncP99Seconds == nil)
            #expect(first.activePeers == [GatewayFixtures.e2: 1, GatewayFixtures.e3: 0], "peers keyed by hex id")

            let second = try #require(await source.read([target], window: .seconds(300)).members[target.id])
            #expect(second.leaderChangesInWindow == 2)
            #expect(second.proposalsFailedInWindow == 2)
            #expect(second.walFsyncsInWindow == 20)
            // Rank 0.99 × 20 = 19.8 falls in (0.512, 1.024], which holds observations 11…20: 0.512 + 0.512 × 0.98.
            let p99 = try #require(second.walFsyncP99Seconds)
            #expect(abs(p99 - 1.01376) < 1e-9)
            #expect(second.peerRoundTripP99Seconds[GatewayFixtures.e2] != nil)

            let third = try #require(await source.read([target], window: .seconds(300)).members[target.id])
            #expect(third.leaderChangesInWindow == 3, "2 before the restart, then the restarted counter's 1")
            #expect(third.walFsyncsInWindow == 22)
        }
    }

    @Test("a dead member and a page that is not etcd's are per-member errors naming the URL")
    func scrapeErrors() async throws {
        let router = Router()
        router.get("/metrics") { _, _ in
            CannedResponse(contentType: "text/plain", body: "# TYPE node_load1 gauge\nnode_load1 0.5\n")
        }
        let port = try closedLocalPort()
        try await withLocalHTTPServer(router) { url in
            let notEtcd = EtcdMetricsTarget(id: EtcdMemberID(1), clientURL: url)
            let dead = EtcdMetricsTarget(id: EtcdMemberID(2), clientURL: "http://127.0.0.1:\(port)")
            let reading = await ScrapedMetricsSource(timeout: .seconds(20)).read([notEtcd, dead], window: .seconds(60))
            #expect(reading.members.isEmpty)
            #expect(reading.errors[notEtcd.id]?.contains("\(url)/metrics has no etcd_server_*") == true)
            #expect(reading.errors[dead.id]?.contains("127.0.0.1:\(port)/metrics: connection refused") == true)
            #expect(reading.sourceError == nil)
        }
    }

    @Test("Prometheus: one query per value, series matched to members by instance")
    func prometheus() async throws {
        let log = Mutex<[String]>([])
        let router = Router()
        router.get("/api/v1/query") { request, _ -> CannedResponse in
            let query = request.uri.queryParameters["query"].map(String.init) ?? ""
            log.withLock { $0.append(query) }
            func vector(_ samples: [(String, String, String)]) -> CannedResponse {
                let items = samples.map { instance, extra, value in
                    #"{"metric":{"instance":"\#(instance)","job":"etcd"\#(extra)},"value":[1795417505.688,"\#(value)"]}"#
                }
                return CannedResponse(body: #"{"status":"success","data":{"resultType":"vector","result":[\#(items.joined(separator: ","))]}}"#)
            }
            switch query {
            case "etcd_server_has_leader": return vector([("127.0.0.1:2379", "", "1"), ("127.0.0.1:9999", "", "1")])
            case "etcd_mvcc_db_total_size_in_bytes": return vector([("127.0.0.1:2379", "", "20480")])
            case "increase(etcd_server_leader_changes_seen_total[300s])": return vector([("127.0.0.1:2379", "", "2")])
            case let q where q.hasPrefix("histogram_quantile(0.99, sum by (instance, le) (rate(etcd_disk_wal_fsync"):
                return vector([("127.0.0.1:2379", "", "NaN")])
            case let q where q.contains("peer_round_trip"):
                return vector([("127.0.0.1:2379", #","To":"1a8ce82d4d7953d""#, "0.0016")])
            default: return vector([])
            }
        }
        try await withLocalHTTPServer(router) { url in
            let source = PrometheusMetricsSource(baseURL: url, timeout: .seconds(20))
            let e1 = EtcdMetricsTarget(id: EtcdMemberID(1), clientURL: "http://127.0.0.1:2379")
            let e3 = EtcdMetricsTarget(id: EtcdMemberID(3), clientURL: "http://127.0.0.1:32379")
            let reading = await source.read([e1, e3], window: .seconds(300))
            let m = try #require(reading.members[e1.id])
            #expect(m.hasLeader == true && m.dbTotalSizeBytes == 20480 && m.leaderChangesInWindow == 2)
            #expect(m.walFsyncP99Seconds?.isNaN == true, "no writes in the window")
            #expect(m.peerRoundTripP99Seconds == ["1a8ce82d4d7953d": 0.0016])
            #expect(reading.errors[e3.id]?.contains(#"instance="127.0.0.1:32379""#) == true, "down target: no series")
            #expect(log.withLock { $0 }.contains("increase(etcd_server_proposals_failed_total[300s])"))
            #expect(reading.source == "prometheus \(url)")
        }
        let port = try closedLocalPort()
        let down = await PrometheusMetricsSource(baseURL: "http://127.0.0.1:\(port)", timeout: .seconds(2))
            .read([EtcdMetricsTarget(id: EtcdMemberID(1), clientURL: "http://127.0.0.1:2379")], window: .seconds(60))
        #expect(down.sourceError?.contains("127.0.0.1:\(port)") == true)
        #expect(down.members.isEmpty)
    }
}
