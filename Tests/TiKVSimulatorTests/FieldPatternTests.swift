import Foundation
import OperatorCore
import SubjectTiKV
import Testing
@testable import TiKVSimulator

/// The incident patterns of tikv-at-scale.md §5 the simulator adds for the field: each fault shows the same
/// story on every wire a real cluster has (PD's JSON, the store's `/metrics`, the log files, parsed by the
/// subject's own parser), and the subject's check names it on the right store. One at a time: each runs a
/// simulator and reads 1.3 MB store pages, and the suites beside it have request deadlines to keep.
@Suite("Field incident patterns", .serialized)
struct FieldPatternTests {
    /// A subject with a generous request deadline: these tests judge what the subject concludes, and a
    /// loaded test machine must not turn a slow 1.3 MB page into a "down" store.
    static func subject(_ endpoints: TiKVSimulatorEndpoints) throws -> TiKVSubject {
        var configuration = SubjectConfiguration(endpoints: [endpoints.pd])
        configuration.requestTimeout = .seconds(30)
        return try TiKVSubject(configuration: configuration)
    }

    static func logLines(_ directory: String, _ file: String) throws -> [String] {
        let text = try String(contentsOfFile: (directory as NSString).appendingPathComponent(file), encoding: .utf8)
        return text.split(separator: "\n").map(String.init)
    }

    static func events(_ lines: [String]) -> [LogEvent] {
        let parser = TiKVLogParser()
        return lines.compactMap { line in
            if case .event(let e) = parser.parse(line: line[...]) { return e }
            return nil
        }
    }

    @Test("write-stall: tikv_engine_write_stall and its cause on the kv db, ServerIsBusy counted, slow prewrites logged; PD still says Up; lift clears it")
    func writeStallWire() async throws {
        let directory = NSTemporaryDirectory() + "tikv-sim-stall-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = TiKVSimulatorConfiguration()
        configuration.qps = 600
        configuration.logDirectory = directory
        try await withSimulator(configuration) { simulator, endpoints in
            let stalled = try endpoints.statusURL(ofStore: 2)
            let healthy = try endpoints.statusURL(ofStore: 1)
            let calm = try await scrape(stalled)
            #expect(try calm.value("tikv_engine_write_stall", ["db": "kv", "type": "write_stall_percentile99"]) == 0)

            try await simulator.inject(.writeStall, entity: "store:2")
            let before = try await scrape(stalled)
            try await simulator.advanceClock(bySeconds: 30)
            let after = try await scrape(stalled)
            let peer = try await scrape(healthy)

            #expect(try after.value("tikv_engine_write_stall", ["db": "kv", "type": "write_stall_percentile99"]) >= 1_000_000, "µs")
            #expect(try after.value("tikv_engine_write_stall", ["db": "raft", "type": "write_stall_percentile99"]) == 0)
            #expect(try after.value("tikv_engine_write_stall_reason", ["db": "kv", "type": "level0_file_limit_slowdown"]) > 0)
            #expect(try peer.value("tikv_engine_write_stall", ["db": "kv", "type": "write_stall_percentile99"]) == 0)
            let busy = after.sum("tikv_scheduler_too_busy_total") - before.sum("tikv_scheduler_too_busy_total")
            #expect(busy > 0, "the scheduler turns writes away as ServerIsBusy")
            let busyAsync = try after.value("tikv_storage_engine_async_request_total", ["type": "write", "status": "err_server_is_busy"])
                - before.value("tikv_storage_engine_async_request_total", ["type": "write", "status": "err_server_is_busy"])
            #expect(busyAsync > 0)
            let prewrite = try #require(quantileOfIncrease(
                0.99, before: before.buckets("tikv_grpc_msg_duration_seconds", ["type": "kv_prewrite"]),
                after: after.buckets("tikv_grpc_msg_duration_seconds", ["type": "kv_prewrite"])))
            let get = try #require(quantileOfIncrease(
                0.99, before: before.buckets("tikv_grpc_msg_duration_seconds", ["type": "kv_get"]),
                after: after.buckets("tikv_grpc_msg_duration_seconds", ["type": "kv_get"])))
            #expect(prewrite > 1, "writes wait for seconds: \(prewrite)")
            #expect(get < 0.05, "reads are not stalled: \(get)")
            #expect(try after.value("tikv_raftstore_slow_score", ["type": "kvdb"]) == 1, "a stall is not a slow disk")

            let stores = try await storesByID(endpoints.pd)
            #expect(stores[2]?.store["state_name"] as? String == "Up")
            #expect(stores[2]?.status["slow_score"] as? Int == 1)

            await simulator.flushLogs()
            let slow = Self.events(try Self.logLines(directory, "tikv-2.log")).filter { $0.kind == "slow-operation" }
            #expect(slow.count >= 2, "the subject's parser reads the stalled prewrites as slow operations")
            #expect(slow.allSatisfy { Int($0.fields["takes"] ?? "") ?? 0 >= 2_000 })
            #expect(Self.events(try Self.logLines(directory, "tikv-1.log")).allSatisfy { $0.kind != "slow-operation" })

            try await simulator.lift(.writeStall, entity: "store:2")
            let lifted = try await scrape(stalled)
            #expect(try lifted.value("tikv_engine_write_stall", ["db": "kv", "type": "write_stall_percentile99"]) == 0)
            #expect(try lifted.value("tikv_engine_write_stall_reason", ["db": "kv", "type": "level0_file_limit_slowdown"]) == 0)
        }
    }

    @Test("write-stall: the subject's check reports write-stall on the stalled store (not store-down), and not after the lift")
    func writeStallSubject() async throws {
        var configuration = TiKVSimulatorConfiguration()
        configuration.qps = 300
        try await withSimulator(configuration) { simulator, endpoints in
            try await simulator.inject(.writeStall, entity: "store:3")
            let subject = try Self.subject(endpoints)
            let found = SubjectCrossCheckTests.keys(try await subject.check().violations)
            #expect(found.contains("write-stall store:3"), "\(found.sorted())")
            #expect(!found.contains { $0.hasPrefix("store-down") || $0.hasPrefix("slow-store") }, "\(found.sorted())")
            try await simulator.lift(.writeStall, entity: "store:3")
            let after = SubjectCrossCheckTests.keys(try await subject.check().violations)
            #expect(!after.contains("write-stall store:3"), "\(after.sorted())")
        }
    }

    @Test("restart-loop: the store dies (port refused, PD Disconnected) and comes back with a new start time, a start banner and climbing memory, again and again; lift ends it Up")
    func restartLoopWire() async throws {
        let directory = NSTemporaryDirectory() + "tikv-sim-loop-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = TiKVSimulatorConfiguration()
        configuration.qps = 300
        configuration.logDirectory = directory
        try await withSimulator(configuration) { simulator, endpoints in
            let status = try endpoints.statusURL(ofStore: 2)
            let firstStart = try await scrape(status).value("process_start_time_seconds")
            try await simulator.inject(.restartLoop, entity: "store:2")
            var starts: Set<Double> = [firstStart]
            var sawRefused = 0
            var sawDisconnected = 0
            var peakMemoryShare = 0.0
            // Two full cycles (kill at +5 s, dead 35 s, up 40 s), probed every 5 s of PD time.
            for _ in 0..<34 {
                try await simulator.advanceClock(bySeconds: 5)
                let state = try await storesByID(endpoints.pd)[2]?.store["state_name"] as? String
                if state == "Disconnected" { sawDisconnected += 1 }
                if refusesConnections(status + "/status") {
                    sawRefused += 1
                    continue
                }
                let page = try await scrape(status)
                starts.insert(try page.value("process_start_time_seconds"))
                peakMemoryShare = max(peakMemoryShare, try page.value("process_resident_memory_bytes") / page.value("tikv_server_memory_quota_bytes"))
            }
            #expect(starts.count >= 3, "process_start_time_seconds moves on each restart: \(starts.sorted())")
            #expect(sawRefused >= 6, "the status port refuses while the process is dead: \(sawRefused) of 34 probes")
            #expect(sawDisconnected >= 2, "PD calls it Disconnected between starts: \(sawDisconnected) of 34 probes")
            #expect(peakMemoryShare > 0.8, "memory climbs toward the quota before each kill (TiKV_memory_quota): \(peakMemoryShare)")
            #expect(try await storesByID(endpoints.pd)[1]?.store["state_name"] as? String == "Up", "the other stores stay Up")

            await simulator.flushLogs()
            let banners = Self.events(try Self.logLines(directory, "tikv-2.log")).filter { $0.kind == "process-started" }
            #expect(banners.count >= 2, "each start prints \"Welcome to TiKV\", which the subject's parser reads: \(banners.count)")

            try await simulator.lift(.restartLoop, entity: "store:2")
            try await simulator.advanceClock(bySeconds: 120)
            #expect(!refusesConnections(status + "/status"))
            #expect(try await storesByID(endpoints.pd)[2]?.store["state_name"] as? String == "Up")
            let settled = try await scrape(status).value("process_start_time_seconds")
            try await simulator.advanceClock(bySeconds: 120)
            #expect(try await scrape(status).value("process_start_time_seconds") == settled, "no more restarts after the lift")
        }
    }

    @Test("restart-loop: the subject counts the restarts across ticks and reports restart-loop on that store")
    func restartLoopSubject() async throws {
        try await withSimulator { simulator, endpoints in
            let subject = try Self.subject(endpoints)
            let first = try await subject.check()
            #expect(first.skipped["restart-loop"] != nil, "one observation cannot count restarts")
            try await simulator.inject(.restartLoop, entity: "store:1")
            var found: Set<String> = []
            var restarts: Int?
            for _ in 0..<24 {
                try await simulator.advanceClock(bySeconds: 10)
                let evaluation = try await subject.check()
                found.formUnion(SubjectCrossCheckTests.keys(evaluation.violations))
                restarts = evaluation.snapshot.store(1)?.recentRestarts ?? restarts
                if found.contains("restart-loop store:1") { break }
            }
            #expect(found.contains("restart-loop store:1"), "\(found.sorted()); restarts seen \(restarts.map(String.init) ?? "none")")
            #expect(!found.contains { $0.hasPrefix("restart-loop") && $0 != "restart-loop store:1" })
        }
    }

    @Test("network-partition: PD says Disconnected and the peers count it unreachable while its status port answers and its start time stays; lift rejoins without a restart")
    func networkPartitionWire() async throws {
        let directory = NSTemporaryDirectory() + "tikv-sim-partition-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = TiKVSimulatorConfiguration()
        configuration.qps = 300
        configuration.logDirectory = directory
        try await withSimulator(configuration) { simulator, endpoints in
            let cut = try endpoints.statusURL(ofStore: 3)
            let peer = try endpoints.statusURL(ofStore: 1)
            let start = try await scrape(cut).value("process_start_time_seconds")
            try await simulator.inject(.networkPartition, entity: "store:3")
            let peerBefore = try await scrape(peer)
            try await simulator.advanceClock(bySeconds: 30)
            let stores = try await storesByID(endpoints.pd)
            #expect(stores[3]?.store["state_name"] as? String == "Disconnected")
            #expect(stores[1]?.store["state_name"] as? String == "Up")
            #expect(!refusesConnections(cut + "/status"), "the process runs: its status port answers")
            let page = try await scrape(cut)
            #expect(try page.value("process_start_time_seconds") == start, "no restart")
            let peerAfter = try await scrape(peer)
            let unreachable = peerAfter.sum("tikv_server_report_failure_msg_total", ["type": "unreachable", "store_id": "3"])
                - peerBefore.sum("tikv_server_report_failure_msg_total", ["type": "unreachable", "store_id": "3"])
            #expect(unreachable > 0, "its peers report it unreachable")
            #expect((stores[3]?.status["leader_count"] as? Int ?? 0) == 0, "its leaders moved to stores that can reach a quorum")

            await simulator.flushLogs()
            let failures = Self.events(try Self.logLines(directory, "tikv-3.log")).filter { $0.kind == "store-heartbeat-failed" }
            #expect(failures.count >= 2, "its heartbeats to PD fail, as the subject's parser reads them")

            try await simulator.lift(.networkPartition, entity: "store:3")
            try await simulator.advanceClock(bySeconds: 20)
            #expect(try await storesByID(endpoints.pd)[3]?.store["state_name"] as? String == "Up")
            #expect(try await scrape(cut).value("process_start_time_seconds") == start, "rejoined, not restarted")
            await simulator.flushLogs()
            #expect(Self.events(try Self.logLines(directory, "tikv-3.log")).allSatisfy { $0.kind != "process-started" })
        }
    }

    @Test("network-partition: the subject reports store-isolated, never store-down, on the cut-off store")
    func networkPartitionSubject() async throws {
        try await withSimulator { simulator, endpoints in
            let subject = try Self.subject(endpoints)
            try await simulator.inject(.networkPartition, entity: "store:2")
            try await simulator.advanceClock(bySeconds: 30)
            let found = SubjectCrossCheckTests.keys(try await subject.check().violations)
            #expect(found.contains("store-isolated store:2"), "\(found.sorted())")
            #expect(!found.contains("store-down store:2"), "\(found.sorted())")
        }
    }

    @Test("slow-store: PD's slow_score reaches 100, store_slow_count and the evict-slow-store gauge go to 1, its leaders leave with PD's log line; lift lets them back")
    func slowStoreWire() async throws {
        let directory = NSTemporaryDirectory() + "tikv-sim-slowstore-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = TiKVSimulatorConfiguration()
        configuration.qps = 300
        configuration.logDirectory = directory
        try await withSimulator(configuration) { simulator, endpoints in
            let leadersBefore = try await storesByID(endpoints.pd)[2]?.status["leader_count"] as? Int ?? 0
            #expect(leadersBefore > 0)
            try await simulator.inject(.slowStore, entity: "store:2")
            try await simulator.advanceClock(bySeconds: 15)
            let stores = try await storesByID(endpoints.pd)
            #expect(stores[2]?.status["slow_score"] as? Int == 100)
            #expect(stores[2]?.store["state_name"] as? String == "Up")
            #expect((stores[2]?.status["leader_count"] as? Int ?? 0) == 0, "evict-slow-store-scheduler took its leaders")
            #expect((stores[1]?.status["leader_count"] as? Int ?? 0) > leadersBefore / 2)
            let pdPage = try await scrape(endpoints.pdURLs[2])
            #expect(try pdPage.value("pd_cluster_status", ["type": "store_slow_count", "store": "2"]) == 1)
            #expect(try pdPage.value("pd_scheduler_evicted_slow_store_status", ["store": "2"]) == 1)
            #expect(try pdPage.value("pd_scheduler_evicted_slow_store_status", ["store": "1"]) == 0)
            #expect(try await scrape(endpoints.statusURL(ofStore: 2)).value("tikv_raftstore_slow_score", ["type": "raft"]) == 100)

            await simulator.flushLogs()
            let pdEvents = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("pd") }
                .flatMap { Self.events(try Self.logLines(directory, $0)) }
            #expect(pdEvents.contains { $0.kind == "slow-store-evicting" && $0.fields["store-id"] == "2" }, "PD logs the eviction")
            #expect(Self.events(try Self.logLines(directory, "tikv-2.log")).contains { $0.kind == "leader-transfer" })

            try await simulator.lift(.slowStore, entity: "store:2")
            try await simulator.advanceClock(bySeconds: 40)
            let healed = try await storesByID(endpoints.pd)
            #expect(healed[2]?.status["slow_score"] as? Int == 1)
            #expect((healed[2]?.status["leader_count"] as? Int ?? 0) > 0)
        }
    }

    @Test("pd-leader-switch: /members names a new leader every 20 s, every member stays healthy, PD logs the step-downs and campaigns, stores stay Up; lift stops it")
    func pdLeaderSwitchWire() async throws {
        let directory = NSTemporaryDirectory() + "tikv-sim-pdswitch-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = TiKVSimulatorConfiguration()
        configuration.logDirectory = directory
        try await withSimulator(configuration) { simulator, endpoints in
            let pd = endpoints.pdURLs[0]
            func leader() async throws -> String? {
                (try await httpGet(pd + "/pd/api/v1/members").object()["leader"] as? [String: Any])?["name"] as? String
            }
            let first = try await leader()
            try await simulator.inject(.pdLeaderSwitch, entity: "cluster")
            var seen: [String] = []
            for _ in 0..<4 {
                try await simulator.advanceClock(bySeconds: 20)
                if let name = try await leader(), name != seen.last { seen.append(name) }
                let health = try #require(try await httpGet(pd + "/pd/api/v1/health").json() as? [[String: Any]])
                #expect(health.allSatisfy { $0["health"] as? Bool == true }, "no member goes down")
            }
            #expect(seen.count >= 3 && Set(seen).count == 2, "leadership alternates: \(first ?? "?") then \(seen)")
            #expect(!seen.contains("pd1"), "pd1 hosts the control endpoint and never leads")
            #expect(try await storesByID(pd).values.allSatisfy { $0.store["state_name"] as? String == "Up" })

            await simulator.flushLogs()
            let pdEvents = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("pd") }
                .flatMap { Self.events(try Self.logLines(directory, $0)) }
            #expect(pdEvents.filter { $0.kind == "pd-leader-stepped-down" }.count >= 3)
            #expect(pdEvents.filter { $0.kind == "pd-leader-campaign" }.count >= 4, "the first election and one per move")
            #expect(Self.events(try Self.logLines(directory, "tikv-1.log")).filter { $0.kind == "pd-client-updated" }.count >= 3)

            try await simulator.lift(.pdLeaderSwitch, entity: "cluster")
            let settled = try await leader()
            try await simulator.advanceClock(bySeconds: 60)
            #expect(try await leader() == settled)
        }
    }

    @Test("pd-leader-switch: the subject counts the moves across ticks and reports pd-leader-switching on the cluster")
    func pdLeaderSwitchSubject() async throws {
        try await withSimulator { simulator, endpoints in
            let subject = try Self.subject(endpoints)
            _ = try await subject.check()
            try await simulator.inject(.pdLeaderSwitch, entity: "cluster")
            var found: Set<String> = []
            for _ in 0..<6 where !found.contains("pd-leader-switching cluster") {
                try await simulator.advanceClock(bySeconds: 20)
                found.formUnion(SubjectCrossCheckTests.keys(try await subject.check().violations))
            }
            #expect(found.contains("pd-leader-switching cluster"), "\(found.sorted())")
            #expect(!found.contains { $0.hasPrefix("pd-unhealthy pd:") }, "every member stays healthy: \(found.sorted())")
        }
    }

    @Test("pending-peers: PD's pending-peer count stays above 0, the store stays Up without leaders and its snapshots stay applying; the subject names it; lift clears it")
    func pendingPeersWire() async throws {
        let directory = NSTemporaryDirectory() + "tikv-sim-pending-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = TiKVSimulatorConfiguration()
        configuration.logDirectory = directory
        try await withSimulator(configuration) { simulator, endpoints in
            func pendingCount() async throws -> Int {
                try await httpGet(endpoints.pd + "/pd/api/v1/regions/check/pending-peer").object()["count"] as? Int ?? -1
            }
            #expect(try await pendingCount() == 0)
            try await simulator.inject(.pendingPeers, entity: "store:3")
            for _ in 0..<3 {
                try await simulator.advanceClock(bySeconds: 60)
                #expect(try await pendingCount() > 0, "pending peers stay")
            }
            let stores = try await storesByID(endpoints.pd)
            #expect(stores[3]?.store["state_name"] as? String == "Up")
            #expect((stores[3]?.status["leader_count"] as? Int ?? 0) == 0, "a peer behind the log is not elected")
            #expect(try await scrape(endpoints.statusURL(ofStore: 3)).value("tikv_raftstore_snapshot_traffic_total", ["type": "applying"]) > 0)
            #expect(try await scrape(endpoints.statusURL(ofStore: 1)).value("tikv_raftstore_snapshot_traffic_total", ["type": "applying"]) == 0)
            await simulator.flushLogs()
            let applies = Self.events(try Self.logLines(directory, "tikv-3.log"))
            #expect(applies.filter { $0.kind == "snapshot-apply-started" }.count >= 3)
            #expect(!applies.contains { $0.kind == "snapshot-applied" }, "no apply finishes")

            let found = SubjectCrossCheckTests.keys(try await Self.subject(endpoints).check().violations)
            #expect(found.contains("pending-peers store:3"), "\(found.sorted())")
            #expect(!found.contains { $0.hasPrefix("store-down") }, "\(found.sorted())")

            try await simulator.lift(.pendingPeers, entity: "store:3")
            try await simulator.advanceClock(bySeconds: 5)
            #expect(try await pendingCount() == 0)
        }
    }

    @Test("too-many-regions: the store's PD region_count and region gauge climb past 20000 while the others stay, raftstore runs near its pool, requests wait a little longer; Up; the subject names it; lift clears it")
    func tooManyRegionsWire() async throws {
        var configuration = TiKVSimulatorConfiguration()
        configuration.qps = 600
        try await withSimulator(configuration) { simulator, endpoints in
            let calmStores = try await storesByID(endpoints.pd)
            let calmRegions = try #require(calmStores[2]?.status["region_count"] as? Int)
            let calmPeer = try #require(calmStores[1]?.status["region_count"] as? Int)
            #expect(calmRegions < 20_000)

            try await simulator.inject(.tooManyRegions, entity: "store:2")
            try await simulator.advanceClock(bySeconds: 40)
            let before = try await scrape(endpoints.statusURL(ofStore: 2))
            let peerBefore = try await scrape(endpoints.statusURL(ofStore: 1))
            try await simulator.advanceClock(bySeconds: 30)
            let after = try await scrape(endpoints.statusURL(ofStore: 2))
            let peerAfter = try await scrape(endpoints.statusURL(ofStore: 1))

            let stores = try await storesByID(endpoints.pd)
            let regions = try #require(stores[2]?.status["region_count"] as? Int)
            #expect(regions > 20_000, "a split storm: \(regions)")
            #expect(stores[1]?.status["region_count"] as? Int == calmPeer, "the other stores keep their regions")
            #expect(stores[2]?.store["state_name"] as? String == "Up")
            #expect(try after.value("tikv_raftstore_region_count", ["type": "region"]) == Double(regions), "the store's gauge agrees with PD")
            // Only PD's leader exports the store gauges.
            var leaderPage: MetricsText?
            for url in endpoints.pdURLs {
                let page = try await scrape(url)
                if try page.value("etcd_server_is_leader") == 1 { leaderPage = page }
            }
            let pd = try #require(leaderPage)
            #expect(try pd.value("pd_scheduler_store_status", ["store": "2", "type": "region_count"]) == Double(regions))

            // Raftstore's two threads: CPU seconds per second over the 30 s, against a pool of 2.
            func raftstoreCores(_ a: MetricsText, _ b: MetricsText) -> Double {
                let threads = ["raftstore_1_0", "raftstore_1_1"]
                let used = threads.reduce(0.0) { total, name in
                    total + b.sum("tikv_thread_cpu_seconds_total", ["name": name]) - a.sum("tikv_thread_cpu_seconds_total", ["name": name])
                }
                return used / 30
            }
            let busy = raftstoreCores(before, after)
            let calm = raftstoreCores(peerBefore, peerAfter)
            #expect(busy > 0.8 * 2 && busy < 2, "raftstore near its pool: \(busy) cores")
            #expect(calm < 0.5, "the other store's raftstore is calm: \(calm) cores")
            let p99 = try #require(quantileOfIncrease(
                0.99, before: before.buckets("tikv_grpc_msg_duration_seconds", ["type": "kv_get"]),
                after: after.buckets("tikv_grpc_msg_duration_seconds", ["type": "kv_get"])))
            let peerP99 = try #require(quantileOfIncrease(
                0.99, before: peerBefore.buckets("tikv_grpc_msg_duration_seconds", ["type": "kv_get"]),
                after: peerAfter.buckets("tikv_grpc_msg_duration_seconds", ["type": "kv_get"])))
            #expect(p99 > peerP99, "requests wait a little longer: \(p99) vs \(peerP99)")
            #expect(p99 < 0.25, "a little, not an outage: \(p99)")
            let wait = try #require(quantileOfIncrease(
                0.99, before: before.buckets("tikv_raftstore_request_wait_time_duration_secs"),
                after: after.buckets("tikv_raftstore_request_wait_time_duration_secs")))
            let peerWait = try #require(quantileOfIncrease(
                0.99, before: peerBefore.buckets("tikv_raftstore_request_wait_time_duration_secs"),
                after: peerAfter.buckets("tikv_raftstore_request_wait_time_duration_secs")))
            #expect(wait > 10 * peerWait && wait > 0.05, "proposals wait for raftstore: \(wait) vs \(peerWait)")

            let found = SubjectCrossCheckTests.keys(try await Self.subject(endpoints).check().violations)
            #expect(found.contains("region-count-high store:2"), "\(found.sorted())")
            #expect(!found.contains { $0.hasPrefix("region-count-high store:1") || $0.hasPrefix("store-down") }, "\(found.sorted())")

            try await simulator.lift(.tooManyRegions, entity: "store:2")
            try await simulator.advanceClock(bySeconds: 5)
            #expect(try await storesByID(endpoints.pd)[2]?.status["region_count"] as? Int == calmRegions)
        }
    }
}
