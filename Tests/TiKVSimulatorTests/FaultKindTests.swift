import Foundation
import Testing
@testable import TiKVSimulator

/// One test per fault kind: the metric or JSON change the TiKV subject detects, and its reversal
/// when the fault is lifted.
@Suite("Fault kinds")
struct FaultKindTests {
    static func loaded(_ qps: Double = 300) -> TiKVSimulatorConfiguration {
        var configuration = TiKVSimulatorConfiguration()
        configuration.qps = qps
        return configuration
    }

    func availableRatio(_ pd: String, store id: UInt64) async throws -> Double {
        let status = try #require(try await storesByID(pd)[id]?.status)
        let available = try parseByteSize(try #require(status["available"] as? String))
        let capacity = try parseByteSize(try #require(status["capacity"] as? String))
        return available / capacity
    }

    @Test("disk-full: available under 20 % (PD and tikv_store_size_bytes), then toward 0 with err_disk_full; lift restores")
    func diskFull() async throws {
        try await withSimulator(Self.loaded()) { simulator, endpoints in
            let pd = endpoints.pd
            let store = try endpoints.statusURL(ofStore: 1)
            #expect(try await availableRatio(pd, store: 1) > 0.5)
            try await simulator.inject(.diskFull, entity: "store:1")
            #expect(try await availableRatio(pd, store: 1) < 0.2)
            #expect(try await availableRatio(pd, store: 2) > 0.5)
            let metrics = try await scrape(store)
            let ratio = try metrics.value("tikv_store_size_bytes", ["type": "available"]) / metrics.value("tikv_store_size_bytes", ["type": "capacity"])
            #expect(ratio < 0.2, "TiKV_low_space fires on this")
            #expect(try await scrape(endpoints.pdURLs[2]).value("pd_cluster_status", ["type": "store_low_space_count", "store": "1"]) == 1)

            try await simulator.advanceClock(bySeconds: 600)
            #expect(try await availableRatio(pd, store: 1) < 0.05)
            let before = try await scrape(store)
            try await simulator.advanceClock(bySeconds: 10)
            let after = try await scrape(store)
            let rejected = try after.value("tikv_storage_engine_async_request_total", ["type": "write", "status": "err_disk_full"])
                - before.value("tikv_storage_engine_async_request_total", ["type": "write", "status": "err_disk_full"])
            #expect(rejected > 0, "writes are rejected with err_disk_full")
            #expect(after.sum("tikv_grpc_msg_fail_total") > before.sum("tikv_grpc_msg_fail_total"))

            try await simulator.lift(.diskFull, entity: "store:1")
            #expect(try await availableRatio(pd, store: 1) > 0.5)
            #expect(try await scrape(endpoints.pdURLs[2]).value("pd_cluster_status", ["type": "store_low_space_count", "store": "1"]) == 0)
        }
    }

    @Test("slow-disk: append/commit/apply p99 and slow scores rise (PD slow_score ≥ 80); lift brings them back")
    func slowDisk() async throws {
        try await withSimulator(Self.loaded()) { simulator, endpoints in
            let pd = endpoints.pd
            let slow = try endpoints.statusURL(ofStore: 1)
            let healthy = try endpoints.statusURL(ofStore: 2)
            try await simulator.inject(.slowDisk, entity: "store:1")
            try await simulator.advanceClock(bySeconds: 40)
            let slowBefore = try await scrape(slow)
            let healthyBefore = try await scrape(healthy)
            try await simulator.advanceClock(bySeconds: 20)
            let slowAfter = try await scrape(slow)
            let healthyAfter = try await scrape(healthy)

            let stores = try await storesByID(pd)
            #expect(stores[1]?.status["slow_score"] as? Int ?? 0 >= 80)
            #expect(stores[2]?.status["slow_score"] as? Int == 1)
            #expect(try slowAfter.value("tikv_raftstore_slow_score", ["type": "raft"]) >= 80)
            for histogram in ["tikv_raftstore_append_log_duration_seconds", "tikv_raftstore_commit_log_duration_seconds", "tikv_raftstore_apply_log_duration_seconds"] {
                let p99 = try #require(quantileOfIncrease(0.99, before: slowBefore.buckets(histogram), after: slowAfter.buckets(histogram)))
                let p99Healthy = try #require(quantileOfIncrease(0.99, before: healthyBefore.buckets(histogram), after: healthyAfter.buckets(histogram)))
                #expect(p99 > 0.5, "\(histogram) p99 on the slow store: \(p99)")
                #expect(p99Healthy < 0.02, "\(histogram) p99 on a healthy store: \(p99Healthy)")
            }
            #expect(try await scrape(endpoints.pdURLs[2]).value("pd_cluster_status", ["type": "store_slow_count", "store": "1"]) == 1)

            try await simulator.lift(.slowDisk, entity: "store:1")
            try await simulator.advanceClock(bySeconds: 40)
            #expect(try await storesByID(pd)[1]?.status["slow_score"] as? Int == 1)
            let recovered = try await scrape(slow)
            #expect(try recovered.value("tikv_raftstore_slow_score", ["type": "raft"]) == 1)
        }
    }

    @Test("hot-write: QPS and CPU surge on the hot store, latency rises somewhat; lift calms it")
    func hotWrite() async throws {
        try await withSimulator(Self.loaded()) { simulator, endpoints in
            func rates(over seconds: Double) async throws -> [UInt64: (qps: Double, cpu: Double, prewriteP99: Double)] {
                var before: [UInt64: MetricsText] = [:]
                for store in endpoints.stores { before[store.id] = try await scrape(store.statusURL) }
                try await simulator.advanceClock(bySeconds: seconds)
                var result: [UInt64: (Double, Double, Double)] = [:]
                for store in endpoints.stores {
                    let after = try await scrape(store.statusURL)
                    let earlier = try #require(before[store.id])
                    let qps = (after.sum("tikv_grpc_msg_duration_seconds_count") - earlier.sum("tikv_grpc_msg_duration_seconds_count")) / seconds
                    let cpu = (try after.value("process_cpu_seconds_total") - earlier.value("process_cpu_seconds_total")) / seconds
                    let p99 = quantileOfIncrease(
                        0.99, before: earlier.buckets("tikv_grpc_msg_duration_seconds", ["type": "kv_prewrite"]),
                        after: after.buckets("tikv_grpc_msg_duration_seconds", ["type": "kv_prewrite"])) ?? 0
                    result[store.id] = (qps, cpu, p99)
                }
                return result
            }
            let baseline = try await rates(over: 20)
            try await simulator.inject(.hotWrite, entity: "store:3")
            let hot = try await rates(over: 20)
            let hotStore = try #require(hot[3])
            let calmStore = try #require(hot[1])
            #expect(hotStore.qps > 5 * calmStore.qps && hotStore.qps > 2_000, "QPS \(hotStore.qps) vs \(calmStore.qps)")
            #expect(hotStore.cpu > 0.8 * Physics.cpuCoresQuota, "CPU \(hotStore.cpu) cores of \(Physics.cpuCoresQuota)")
            #expect(calmStore.cpu < 0.5)
            let baselineP99 = try #require(baseline[3]).prewriteP99
            #expect(hotStore.prewriteP99 > 2 * baselineP99 && hotStore.prewriteP99 < 0.5, "p99 \(hotStore.prewriteP99) vs \(baselineP99)")

            try await simulator.lift(.hotWrite, entity: "store:3")
            let calm = try await rates(over: 20)
            #expect(try #require(calm[3]).qps < 2 * (try #require(baseline[3]).qps) + 1)
            #expect(try #require(calm[3]).cpu < 0.5)
        }
    }

    @Test("pd-leader-down: leader port refused, followers fail then forward to a new leader, /health shows it unhealthy; lift brings it back as follower")
    func pdLeaderDown() async throws {
        try await withSimulator { simulator, endpoints in
            let follower = endpoints.pdURLs[0]
            let fault = try await simulator.inject(.pdLeaderDown, entity: "cluster")
            #expect(fault.entity == "pd:pd3")
            #expect(refusesConnections(endpoints.pdURLs[2] + "/pd/api/v1/ping"))

            // Within the old leader's lease the follower still proxies to it and the proxy fails.
            let duringLease = try await httpGet(follower + "/pd/api/v1/stores")
            #expect(duringLease.status == 500 && duringLease.text == "redirect failed\n")
            try await simulator.advanceClock(bySeconds: 4)
            let noLeader = try await httpGet(follower + "/pd/api/v1/stores")
            #expect(noLeader.status == 503 && noLeader.text == "no leader\n")
            #expect(try await scrape(follower).value("etcd_server_has_leader") == 0)

            try await simulator.advanceClock(bySeconds: 3)
            let members = try await httpGet(follower + "/pd/api/v1/members").object()
            #expect((members["leader"] as? [String: Any])?["name"] as? String == "pd2")
            let health = try #require(try await httpGet(follower + "/pd/api/v1/health").json() as? [[String: Any]])
            #expect(health.first { $0["name"] as? String == "pd3" }?["health"] as? Bool == false)
            #expect(health.filter { $0["health"] as? Bool == true }.count == 2)
            #expect(try await scrape(endpoints.pdURLs[1]).value("service_member_role", ["service": "PD"]) == 1)
            // Stores kept heartbeating through the short election: still Up.
            #expect(try await storesByID(follower).values.allSatisfy { $0.store["state_name"] as? String == "Up" })

            try await simulator.lift(.pdLeaderDown, entity: "cluster")
            let healed = try #require(try await httpGet(follower + "/pd/api/v1/health").json() as? [[String: Any]])
            #expect(healed.allSatisfy { $0["health"] as? Bool == true })
            #expect(try await httpGet(endpoints.pdURLs[2] + "/pd/api/v1/leader").object()["name"] as? String == "pd2")
            #expect(try await scrape(endpoints.pdURLs[2]).value("service_member_role", ["service": "PD"]) == 0)
        }
    }

    @Test("pd-leader-down refuses to close the control endpoint's port with a single PD member")
    func pdLeaderDownNeedsTwoMembers() async throws {
        var configuration = TiKVSimulatorConfiguration()
        configuration.pdMembers = 1
        try await withSimulator(configuration) { simulator, _ in
            await #expect(throws: TiKVSimulatorError.controlPortWouldClose("pd1")) {
                try await simulator.inject(.pdLeaderDown, entity: "cluster")
            }
            await #expect(throws: TiKVSimulatorError.self) {
                try await simulator.inject(.pdLeaderDown, entity: "store:1")
            }
        }
    }

    @Test("network-lag: raft log lag p99 over 5000, commit latency up, heartbeats late but the store stays Up; lift restores")
    func networkLag() async throws {
        try await withSimulator(Self.loaded(200)) { simulator, endpoints in
            let pd = endpoints.pd
            let lagging = try endpoints.statusURL(ofStore: 2)
            let healthy = try endpoints.statusURL(ofStore: 1)
            try await simulator.inject(.networkLag, entity: "store:2")
            try await simulator.advanceClock(bySeconds: 5)
            let laggingBefore = try await scrape(lagging)
            let healthyBefore = try await scrape(healthy)
            var maxHeartbeatAge = 0.0
            for _ in 0..<34 {
                try await simulator.advanceClock(bySeconds: 1)
                let state = try await simulator.state()
                let entry = try #require(try await storesByID(pd)[2])
                #expect(entry.store["state_name"] as? String == "Up")
                let heartbeat = try #require((entry.store["last_heartbeat"] as? NSNumber)?.int64Value)
                let now = try #require(Self.parseRFC3339(state.pdTime))
                maxHeartbeatAge = max(maxHeartbeatAge, now - Double(heartbeat) / 1e9)
            }
            #expect(maxHeartbeatAge > 11 && maxHeartbeatAge < 20, "heartbeats arrive late: \(maxHeartbeatAge) s")
            let laggingAfter = try await scrape(lagging)
            let healthyAfter = try await scrape(healthy)
            let lag = try #require(quantileOfIncrease(0.99, before: laggingBefore.buckets("tikv_raftstore_log_lag"), after: laggingAfter.buckets("tikv_raftstore_log_lag")))
            let healthyLag = try #require(quantileOfIncrease(0.99, before: healthyBefore.buckets("tikv_raftstore_log_lag"), after: healthyAfter.buckets("tikv_raftstore_log_lag")))
            #expect(lag > 5_000, "TiKV_raft_log_lag fires above 5000: \(lag)")
            #expect(healthyLag < 20)
            let commit = try #require(quantileOfIncrease(0.99, before: laggingBefore.buckets("tikv_raftstore_commit_log_duration_seconds"), after: laggingAfter.buckets("tikv_raftstore_commit_log_duration_seconds")))
            let append = try #require(quantileOfIncrease(0.99, before: laggingBefore.buckets("tikv_raftstore_append_log_duration_seconds"), after: laggingAfter.buckets("tikv_raftstore_append_log_duration_seconds")))
            #expect(commit > 0.1, "commit waits for replication over the slow network")
            #expect(append < 0.01, "the disk is fine")
            #expect(try laggingAfter.value("tikv_raftstore_slow_score", ["type": "network"]) > 1)
            #expect(try await storesByID(pd)[2]?.status["network_slow_score"] is [String: Any])

            try await simulator.lift(.networkLag, entity: "store:2")
            try await simulator.advanceClock(bySeconds: 1)
            let liftedBefore = try await scrape(lagging)
            try await simulator.advanceClock(bySeconds: 20)
            let liftedAfter = try await scrape(lagging)
            let liftedLag = try #require(quantileOfIncrease(0.99, before: liftedBefore.buckets("tikv_raftstore_log_lag"), after: liftedAfter.buckets("tikv_raftstore_log_lag")))

            #expect(liftedLag < 20)
            #expect(try await storesByID(pd)[2]?.status["network_slow_score"] == nil)
        }
    }

    static func parseRFC3339(_ text: String) -> Double? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let trimmed: String
        // ISO8601DateFormatter takes at most millisecond fractions.
        if let dot = text.firstIndex(of: "."), let zone = text.lastIndex(of: "Z") {
            trimmed = String(text[..<dot]) + String(text[dot...].prefix(4)) + String(text[zone...])
        } else {
            trimmed = text
            formatter.formatOptions = [.withInternetDateTime]
        }
        return formatter.date(from: trimmed)?.timeIntervalSince1970
    }
}
