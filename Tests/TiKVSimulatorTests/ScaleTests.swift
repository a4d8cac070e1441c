import Foundation
import Testing
@testable import TiKVSimulator

/// 100 stores and 1,000,000 regions: regions are never materialised, so start-up and the count
/// and check endpoints stay cheap. Prints what it measures; asserts only correctness.
@Suite("Scale")
struct ScaleTests {
    @Test("100 stores × 1,000,000 regions start in seconds and answer counts and checks")
    func millionRegions() async throws {
        var configuration = TiKVSimulatorConfiguration()
        configuration.stores = 100
        configuration.regions = 1_000_000
        configuration.qps = 5_000
        let clock = ContinuousClock()
        let simulator = TiKVSimulator(configuration: configuration)
        let startStarted = clock.now
        let endpoints = try await simulator.start()
        let startTook = clock.now - startStarted
        do {
            let pd = endpoints.pd
            func timed(_ path: String) async throws -> (HTTPReply, Duration) {
                let began = clock.now
                let reply = try await httpGet(pd + path)
                return (reply, clock.now - began)
            }
            let (count, countTook) = try await timed("/pd/api/v1/regions/count")
            #expect(try count.object()["count"] as? Int == 1_000_000)
            let (healthyCheck, healthyTook) = try await timed("/pd/api/v1/regions/check/miss-peer")
            #expect(try healthyCheck.object()["count"] as? Int == 0)
            let (stores, storesTook) = try await timed("/pd/api/v1/stores")
            #expect(try stores.object()["count"] as? Int == 100)
            let (stats, statsTook) = try await timed("/pd/api/v1/stats/region")
            #expect((try stats.object()["store_peer_count"] as? [String: Int])?.values.reduce(0, +) == 3_000_000)

            // Consecutive placement: store 50 holds a replica of 3 in every 100 regions.
            try await simulator.inject(.storeDown, entity: "store:50")
            try await simulator.advanceClock(bySeconds: 31)
            let (pending, pendingTook) = try await timed("/pd/api/v1/regions/check/pending-peer")
            #expect(try pending.object()["count"] as? Int == 30_000)
            let advanceStarted = clock.now
            try await simulator.advanceClock(bySeconds: 1_800)
            let advanceTook = clock.now - advanceStarted
            // Once store 50 is Down, PD replaces its peers on the 99 live stores: nothing stays short.
            let (missPeer, missTook) = try await timed("/pd/api/v1/regions/check/miss-peer")
            let missBody = try missPeer.object()
            #expect(missBody["count"] as? Int == 0)
            let (region, regionTook) = try await timed("/pd/api/v1/region/id/\(RegionLayout.firstRegionID + 999_999 * RegionLayout.idStride)")
            #expect(try region.object()["id"] is Int)
            let (pdMetrics, metricsTook) = try await timed("/metrics")
            #expect(pdMetrics.status == 200)

            let (down, downTook) = try await timed("/pd/api/v1/stores/check?state=down")
            #expect(try down.object()["count"] as? Int == 1)
            print("""
                [scale] 100 stores, 1,000,000 regions (debug build):
                  start                         \(startTook)
                  GET /regions/count            \(countTook)
                  GET /regions/check/miss-peer  \(healthyTook) (healthy), \(missTook) (store 50 Down, peers replaced)
                  GET /regions/check/pending-peer \(pendingTook) (store 50 dead 31 s, count 30,000)
                  GET /stores                   \(storesTook)
                  GET /stats/region             \(statsTook)
                  GET /region/id/<last>         \(regionTook)
                  GET /metrics (PD)             \(metricsTook)
                  GET /stores/check?state=down  \(downTook)
                  advance PD clock 1800 s       \(advanceTook)
                """)
        } catch {
            await simulator.stop()
            throw error
        }
        await simulator.stop()
    }

    @Test("1,000,000 regions on 3 stores: a dead store's 1,000,000 miss-peer regions are counted, and the list is capped")
    func millionMissPeers() async throws {
        var configuration = TiKVSimulatorConfiguration()
        configuration.regions = 1_000_000
        // Real PD would list all 1,000,000 (~800 MB); the cap keeps this test's body small.
        configuration.regionCheckLimit = 1_000
        let clock = ContinuousClock()
        try await withSimulator(configuration) { simulator, endpoints in
            try await simulator.inject(.storeDown, entity: "store:1")
            try await simulator.advanceClock(bySeconds: 1_830)
            let began = clock.now
            let reply = try await httpGet(endpoints.pd + "/pd/api/v1/regions/check/miss-peer")
            let took = clock.now - began
            let body = try reply.object()
            #expect(body["count"] as? Int == 1_000_000)
            let regions = try #require(body["regions"] as? [[String: Any]])
            #expect(regions.count == configuration.regionCheckLimit)
            let ids = regions.compactMap { $0["id"] as? Int }
            #expect(ids == ids.sorted(), "lowest region ids first")
            #expect(regions.allSatisfy { ($0["peers"] as? [Any])?.count == 2 })
            let metrics = try await scrape(endpoints.pdURLs[2])
            #expect(try metrics.value("pd_regions_status", ["type": "miss-peer-region-count"]) == 1_000_000)
            print("[scale] 3 stores, 1,000,000 regions, store 1 Down: GET /regions/check/miss-peer (count 1,000,000, \(regions.count) listed, \(reply.body.count) bytes) took \(took)")
        }
    }
}
