import Foundation
import Testing
@testable import TiKVSimulator

/// A killed store as PD and its peers see it over time (tikv-interfaces.md §1.2 state rules), and
/// its recovery when the fault is lifted. PD time is moved with `advanceClock`, so the test does
/// not wait for it.
@Suite("store-down physics")
struct StoreDownPhysicsTests {
    func stateName(_ pd: String, _ id: UInt64) async throws -> String {
        let stores = try await storesByID(pd)
        return try #require(stores[id]?.store["state_name"] as? String)
    }

    func leaderCounts(_ pd: String) async throws -> [UInt64: Int] {
        try await storesByID(pd).mapValues { $0.status["leader_count"] as? Int ?? -1 }
    }

    @Test("Killed store: port refused, Disconnected after 20 s, leaders move, pending → down → miss-peer, Down after max-store-down-time; lift restores all")
    func lifecycle() async throws {
        var configuration = TiKVSimulatorConfiguration()
        configuration.qps = 300
        try await withSimulator(configuration) { simulator, endpoints in
            let pd = endpoints.pd
            let statusURL = try endpoints.statusURL(ofStore: 2)
            #expect(try await httpGet(statusURL + "/status").status == 200)
            let startBefore = try await scrape(statusURL).value("process_start_time_seconds")
            #expect(try await leaderCounts(pd)[2] == 10)

            try await simulator.inject(.storeDown, entity: "store:2")
            let killedAt = try await simulator.pdClockSeconds()
            #expect(refusesConnections(statusURL + "/status"), "a dead store's status port refuses connections")
            #expect(refusesConnections(statusURL + "/metrics"), "its metrics vanish")
            let heartbeat = Double(try #require((try await storesByID(pd)[2]?.store["last_heartbeat"] as? NSNumber)?.int64Value)) / 1e9
            #expect(heartbeat <= killedAt && killedAt - heartbeat <= 10.5, "heartbeats every 10 s")
            func advance(to target: Double) async throws {
                try await simulator.advanceClock(bySeconds: max(0, target - (try await simulator.pdClockSeconds())))
            }

            // Disconnected exactly when the last heartbeat is more than 20 s old.
            try await advance(to: heartbeat + 19)
            #expect(try await stateName(pd, 2) == "Up")
            try await advance(to: heartbeat + 21)
            #expect(try await stateName(pd, 2) == "Disconnected")
            #expect(try await stateName(pd, 1) == "Up")
            let disconnected = try await httpGet(pd + "/pd/api/v1/stores/check?state=disconnected").object()
            #expect(disconnected["count"] as? Int == 1)

            // The raft election timeout (10 s) has passed: survivors lead every region.
            try await advance(to: killedAt + 11)
            let leaders = try await leaderCounts(pd)
            #expect(leaders[2] == 0)
            #expect(leaders.values.reduce(0, +) == 30)
            #expect(leaders[1] ?? 0 >= 10 && leaders[3] ?? 0 > 10, "\(leaders)")

            try await advance(to: killedAt + 31)
            #expect(try await regionCheckCount(pd, "pending-peer") == 30)
            #expect(try await regionCheckCount(pd, "down-peer") == 0)

            try await advance(to: killedAt + 611)
            #expect(try await regionCheckCount(pd, "down-peer") == 30, "after max-peer-down-duration (10m)")
            let downList = try await httpGet(pd + "/pd/api/v1/regions/check/down-peer").object()
            let region = try #require((downList["regions"] as? [[String: Any]])?.first)
            let downPeer = try #require((region["down_peers"] as? [[String: Any]])?.first)
            #expect((downPeer["peer"] as? [String: Any])?["store_id"] as? Int == 2)
            #expect(downPeer["down_seconds"] as? Int ?? 0 >= 600)
            #expect((region["pending_peers"] as? [Any])?.count == 1)
            #expect(try await stateName(pd, 2) == "Disconnected")

            try await advance(to: heartbeat + 1_799)
            #expect(try await stateName(pd, 2) == "Disconnected")
            try await advance(to: heartbeat + 1_811)
            #expect(try await stateName(pd, 2) == "Down", "after max-store-down-time (30m)")
            #expect(try await regionCheckCount(pd, "miss-peer") == 30, "PD removed the dead peers; no spare store to replace them")
            #expect(try await regionCheckCount(pd, "down-peer") == 0)
            let pdMetrics = try await scrape(endpoints.pdURLs[2])
            #expect(try pdMetrics.value("pd_cluster_status", ["type": "store_down_count", "store": "2"]) == 1)
            #expect(try pdMetrics.value("pd_regions_status", ["type": "miss-peer-region-count"]) == 30)

            try await simulator.lift(.storeDown, entity: "store:2")
            #expect(try await httpGet(statusURL + "/status").status == 200, "the store answers again on its old port")
            let restarted = try await scrape(statusURL)
            #expect(try restarted.value("process_start_time_seconds") > startBefore)
            #expect(try await stateName(pd, 2) == "Up", "it re-registered with a fresh heartbeat")
            #expect(try await regionCheckCount(pd, "pending-peer") == 30, "its peers are catching up")

            try await simulator.advanceClock(bySeconds: 16)
            for state in ["miss-peer", "down-peer", "pending-peer"] {
                #expect(try await regionCheckCount(pd, state) == 0, "\(state) back to 0")
            }
            #expect(try await leaderCounts(pd)[2] == 10, "balance-leader moved its leaders back")
        }
    }

    @Test("With a spare store, PD replaces the dead store's peers instead of leaving regions short")
    func spareStoreReplacesPeers() async throws {
        var configuration = TiKVSimulatorConfiguration()
        configuration.stores = 4
        configuration.regions = 40
        try await withSimulator(configuration) { simulator, endpoints in
            try await simulator.inject(.storeDown, entity: "store:1")
            try await simulator.advanceClock(bySeconds: 1_830)
            #expect(try await regionCheckCount(endpoints.pd, "miss-peer") == 0)
            let stores = try await storesByID(endpoints.pd)
            #expect(stores[1]?.store["state_name"] as? String == "Down")
            #expect(stores[1]?.status["region_count"] as? Int == 0)
            let peers = [2, 3, 4].compactMap { stores[UInt64($0)]?.status["region_count"] as? Int }.reduce(0, +)
            #expect(peers == 120, "every region has three live replicas again")
        }
    }

    @Test("With a time scale, PD time runs faster than wall time: Disconnected without advancing the clock")
    func timeScale() async throws {
        var configuration = TiKVSimulatorConfiguration()
        configuration.timeScale = 400
        try await withSimulator(configuration, frozenClock: false) { simulator, endpoints in
            try await simulator.inject(.storeDown, entity: "store:3")
            var state = ""
            for _ in 0..<600 where state != "Disconnected" {
                try await Task.sleep(for: .milliseconds(50))
                state = try await storesByID(endpoints.pd)[3]?.store["state_name"] as? String ?? ""
            }
            #expect(state == "Disconnected")
        }
    }

    @Test("Injecting twice or lifting what is not in effect fails with a clear error")
    func faultBookkeeping() async throws {
        try await withSimulator { simulator, _ in
            try await simulator.inject(.storeDown, entity: "store:1")
            await #expect(throws: TiKVSimulatorError.faultAlreadyActive(.storeDown, entity: "store:1")) {
                try await simulator.inject(.storeDown, entity: "store:1")
            }
            await #expect(throws: TiKVSimulatorError.unknownStore(9, known: [1, 2, 3])) {
                try await simulator.inject(.diskFull, entity: "store:9")
            }
            let result = await Task { try await simulator.lift(.slowDisk, entity: "store:2") }.result
            if case .failure(let error) = result {
                #expect("\(error)".contains("slow-disk is not in effect on store:2"))
                #expect("\(error)".contains("store-down store:1"), "the message lists what is in effect")
            } else {
                Issue.record("lifting a fault not in effect must fail")
            }
        }
    }
}
