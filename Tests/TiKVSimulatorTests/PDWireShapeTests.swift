import Foundation
import Testing
@testable import TiKVSimulator

/// Every PD endpoint the TiKV subject uses answers over HTTP with the shape real PD writes
/// (tikv-interfaces.md §1), quirks included.
@Suite("PD API wire shapes")
struct PDWireShapeTests {
    @Test("Up stores omit `state` (0 under omitempty) and carry state_name, ByteSizes, Go durations, RFC 3339 times")
    func storesShape() async throws {
        try await withSimulator { simulator, endpoints in
            // Uptime (last heartbeat − start) is omitted while 0: let a few heartbeats pass.
            try await simulator.advanceClock(bySeconds: 25)
            let reply = try await httpGet(endpoints.pd + "/pd/api/v1/stores")
            #expect(reply.status == 200)
            #expect(reply.header("Content-Type") == "application/json; charset=UTF-8")
            let body = try reply.object()
            #expect(body["count"] as? Int == 3)
            let stores = try await storesByID(endpoints.pd)
            #expect(Set(stores.keys) == [1, 2, 3])
            for (id, entry) in stores {
                #expect(entry.store["state"] == nil, "store \(id): Up (0) must be absent")
                #expect(entry.store["state_name"] as? String == "Up")
                #expect(entry.store["labels"] == nil)
                #expect(entry.store["physically_destroyed"] == nil)
                #expect(entry.store["node_state"] as? Int == 1)
                // status_address is where the store's status server really listens.
                let statusAddress = try #require(entry.store["status_address"] as? String)
                #expect(try endpoints.statusURL(ofStore: id) == "http://" + statusAddress)
                let lastHeartbeat = try #require((entry.store["last_heartbeat"] as? NSNumber)?.int64Value)
                #expect(lastHeartbeat > 1_000_000_000_000_000_000, "last_heartbeat is in nanoseconds")
                let capacity = try #require(entry.status["capacity"] as? String)
                #expect(capacity.range(of: #"^[0-9.]+(B|KiB|MiB|GiB|TiB|PiB)$"#, options: .regularExpression) != nil)
                let available = try parseByteSize(try #require(entry.status["available"] as? String))
                let capacityBytes = try parseByteSize(capacity)
                #expect(available > 0 && available < capacityBytes)
                let uptime = try #require(entry.status["uptime"] as? String)
                #expect(uptime.range(of: #"^([0-9]+h)?([0-9]+m)?[0-9.]+(s|ms|µs|ns)$"#, options: .regularExpression) != nil, "uptime \(uptime)")
                let heartbeatTS = try #require(entry.status["last_heartbeat_ts"] as? String)
                #expect(heartbeatTS.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$"#, options: .regularExpression) != nil)
                #expect(!heartbeatTS.contains(".") || !heartbeatTS.hasSuffix("0Z"), "fraction zeros are trimmed")
                #expect(entry.status["slow_score"] as? Int == 1)
                #expect(entry.status["region_count"] as? Int == 30)
            }
            let leaders = stores.values.compactMap { $0.status["leader_count"] as? Int }.reduce(0, +)
            #expect(leaders == 30)
        }
    }

    @Test("/stores state filter is numeric and excludes Tombstone by default; /stores/check takes names")
    func storeFilters() async throws {
        try await withSimulator { _, endpoints in
            let tombstones = try await httpGet(endpoints.pd + "/pd/api/v1/stores?state=2").object()
            #expect(tombstones["count"] as? Int == 0)
            let up = try await httpGet(endpoints.pd + "/pd/api/v1/stores?state=0&state=1").object()
            #expect(up["count"] as? Int == 3)
            let badNumber = try await httpGet(endpoints.pd + "/pd/api/v1/stores?state=up")
            #expect(badNumber.status == 500)
            #expect(try badNumber.json() as? String == "strconv.Atoi: parsing \"up\": invalid syntax")
            let checked = try await httpGet(endpoints.pd + "/pd/api/v1/stores/check?state=UP&state=disconnected").object()
            #expect(checked["count"] as? Int == 3)
            let down = try await httpGet(endpoints.pd + "/pd/api/v1/stores/check?state=down").object()
            #expect(down["count"] as? Int == 0)
            let unknown = try await httpGet(endpoints.pd + "/pd/api/v1/stores/check?state=sleepy")
            #expect(unknown.status == 400)
            #expect(try unknown.json() as? String == "unknown StoreState: sleepy")
        }
    }

    @Test("Unknown store: 404 with PD's quoted error string and RFC code")
    func storeNotFound() async throws {
        try await withSimulator { _, endpoints in
            let reply = try await httpGet(endpoints.pd + "/pd/api/v1/store/7")
            #expect(reply.status == 404)
            #expect(reply.text == "\"[PD:core:ErrStoreNotFound]store 7 not found\"")
            let found = try await httpGet(endpoints.pd + "/pd/api/v1/store/2").object()
            let store = try #require(found["store"] as? [String: Any])
            #expect(store["id"] as? Int == 2)
        }
    }

    @Test("Members and health: uint64 member ids above Int64.max survive; leader and etcd_leader present")
    func membersAndHealth() async throws {
        struct Member: Decodable { var name: String; var member_id: UInt64; var client_urls: [String]; var leader_priority: Int? }
        struct Members: Decodable { var header: [String: UInt64]; var members: [Member]; var leader: Member; var etcd_leader: Member }
        struct Health: Decodable { var name: String; var member_id: UInt64; var client_urls: [String]; var health: Bool }
        try await withSimulator { _, endpoints in
            let members = try await httpGet(endpoints.pd + "/pd/api/v1/members").decode(Members.self)
            #expect(members.members.count == 3)
            #expect(members.members.allSatisfy { $0.member_id > UInt64(Int64.max) })
            #expect(members.members.allSatisfy { $0.leader_priority == nil }, "leader_priority 0 is omitted")
            #expect(members.members.map(\.client_urls[0]) == endpoints.pdURLs)
            #expect(members.leader.name == members.etcd_leader.name)
            #expect(members.header["cluster_id"] != nil)
            // The same uint64 ids, exactly, in /health.
            let health = try await httpGet(endpoints.pd + "/pd/api/v1/health").decode([Health].self)
            #expect(health.map(\.member_id) == members.members.map(\.member_id))
            #expect(health.allSatisfy { $0.health })
            let leader = try await httpGet(endpoints.pd + "/pd/api/v1/leader").decode(Member.self)
            #expect(leader.member_id == members.leader.member_id)
            let rawMembers = try await httpGet(endpoints.pd + "/pd/api/v1/members").text
            #expect(rawMembers.contains(String(members.leader.member_id)), "ids printed as exact integers")
        }
    }

    @Test("Status, version, cluster, cluster/status, ping and the deprecated root aliases")
    func clusterEndpoints() async throws {
        try await withSimulator { _, endpoints in
            let status = try await httpGet(endpoints.pd + "/pd/api/v1/status").object()
            #expect(status["version"] as? String == "v8.5.0")
            #expect(status["start_timestamp"] as? Int ?? 0 > 1_600_000_000)
            #expect(status["kernel_type"] != nil)
            #expect(try await httpGet(endpoints.pd + "/pd/api/v1/version").object()["version"] as? String == "v8.5.0")
            let cluster = try await httpGet(endpoints.pd + "/pd/api/v1/cluster").object()
            #expect(cluster["max_peer_count"] as? Int == 3)
            #expect(cluster["id"] is NSNumber)
            let clusterStatus = try await httpGet(endpoints.pd + "/pd/api/v1/cluster/status").object()
            #expect(clusterStatus["is_initialized"] as? Bool == true)
            #expect(clusterStatus["replication_status"] as? String == "")
            #expect(clusterStatus["raft_bootstrap_time"] is String)
            let ping = try await httpGet(endpoints.pd + "/pd/api/v1/ping")
            #expect(ping.status == 200 && ping.body.isEmpty)
            #expect(try await httpGet(endpoints.pd + "/pd/ping").status == 200)
            #expect(try await httpGet(endpoints.pd + "/pd/health").json() is [Any])
            let missing = try await httpGet(endpoints.pd + "/pd/api/v1/no-such-route")
            #expect(missing.status == 404 && missing.text == "404 page not found\n")
        }
    }

    @Test("Config: Go durations, booleans as strings, comma-joined location labels")
    func config() async throws {
        var configuration = TiKVSimulatorConfiguration()
        configuration.maxStoreDownTime = 90
        try await withSimulator(configuration) { _, endpoints in
            let schedule = try await httpGet(endpoints.pd + "/pd/api/v1/config/schedule").object()
            #expect(schedule["max-store-down-time"] as? String == "1m30s")
            #expect(schedule["max-store-preparing-time"] as? String == "48h0m0s")
            #expect(schedule["patrol-region-interval"] as? String == "10ms")
            #expect(schedule["enable-remove-down-replica"] as? String == "true")
            #expect(schedule["leader-schedule-limit"] as? Int == 4)
            let replicate = try await httpGet(endpoints.pd + "/pd/api/v1/config/replicate").object()
            #expect(replicate["max-replicas"] as? Int == 3)
            #expect(replicate["location-labels"] as? String == "")
            #expect(replicate["enable-placement-rules"] as? String == "true")
            #expect(replicate["strictly-match-label"] as? String == "false")
        }
    }

    @Test("Regions: count with null list, stats per store, single regions by id with voters lacking `role`")
    func regions() async throws {
        try await withSimulator { _, endpoints in
            let count = try await httpGet(endpoints.pd + "/pd/api/v1/regions/count")
            #expect(count.text.contains("\"regions\": null"))
            #expect(try count.object()["count"] as? Int == 30)

            let stats = try await httpGet(endpoints.pd + "/pd/api/v1/stats/region").object()
            #expect(stats["count"] as? Int == 30)
            let peerCounts = try #require(stats["store_peer_count"] as? [String: Int])
            #expect(peerCounts == ["1": 30, "2": 30, "3": 30])
            let leaderCounts = try #require(stats["store_leader_count"] as? [String: Int])
            #expect(leaderCounts.values.reduce(0, +) == 30)

            let reply = try await httpGet(endpoints.pd + "/pd/api/v1/region/id/2000")
            #expect(!reply.text.contains("\n"), "region bodies are compact (easyjson)")
            let region = try reply.object()
            #expect(region["id"] as? Int == 2000)
            #expect(region["start_key"] as? String == "", "the first region starts the key space")
            let peers = try #require(region["peers"] as? [[String: Any]])
            #expect(peers.count == 3)
            for peer in peers {
                #expect(peer["role"] == nil, "Voter (0) is omitted")
                #expect(peer["is_learner"] == nil)
                #expect(peer["role_name"] as? String == "Voter")
            }
            #expect(region["down_peers"] == nil && region["pending_peers"] == nil)
            let leader = try #require(region["leader"] as? [String: Any])
            #expect(peers.contains { $0["id"] as? Int == leader["id"] as? Int })
            let epoch = try #require(region["epoch"] as? [String: Any])
            #expect(epoch["conf_ver"] is Int && epoch["version"] is Int)
            let endKey = try #require(region["end_key"] as? String)
            #expect(endKey.range(of: "^[0-9A-F]+$", options: .regularExpression) != nil, "keys are upper-case hex")

            let notFound = try await httpGet(endpoints.pd + "/pd/api/v1/region/id/5")
            #expect(notFound.status == 404)
            #expect(try notFound.json() as? String == "[PD:region:ErrRegionNotFound]region 5 not found")
            #expect(try await httpGet(endpoints.pd + "/pd/api/v1/region/id/x").status == 400)
        }
    }

    @Test("Region checks answer {count, regions} for every state; a healthy cluster has no unhealthy regions")
    func regionChecks() async throws {
        try await withSimulator { _, endpoints in
            for state in ["miss-peer", "down-peer", "pending-peer", "offline-peer", "extra-peer", "learner-peer"] {
                let reply = try await httpGet(endpoints.pd + "/pd/api/v1/regions/check/" + state)
                #expect(reply.status == 200)
                #expect(reply.text == "{\"count\":0,\"regions\":[]}", "\(state): \(reply.text)")
            }
            let empty = try await httpGet(endpoints.pd + "/pd/api/v1/regions/check/empty-region").object()
            let emptyRegions = try #require(empty["regions"] as? [[String: Any]])
            #expect(empty["count"] as? Int == emptyRegions.count)
            #expect(emptyRegions.allSatisfy { ($0["approximate_size"] as? Int ?? 99) <= 1 })
        }
    }

    @Test("/regions is served in PD's shape and every request to it is recorded")
    func regionsListIsCounted() async throws {
        try await withSimulator { simulator, endpoints in
            #expect(await simulator.requestCount(path: "/pd/api/v1/regions") == 0)
            let body = try await httpGet(endpoints.pdURLs[1] + "/pd/api/v1/regions").object()
            #expect(body["count"] as? Int == 30)
            #expect((body["regions"] as? [Any])?.count == 30)
            #expect(await simulator.requestCount(path: "/pd/api/v1/regions") == 1)
            let state = try await simulator.state()
            #expect(state.requestCounts["/pd/api/v1/regions"] == 1)
        }
    }
}
