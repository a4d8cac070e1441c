import Foundation
import OperatorCore
import SubjectTiKV
import Testing
@testable import TiKVSimulator

/// The TiKV subject (an independent implementation of the same wire contract) against the
/// simulator over HTTP: its PD client decodes every endpoint, and `check` reports the right
/// invariant on the right entity for each fault, and nothing once the fault is lifted.
@Suite("TiKV subject against the simulator")
struct SubjectCrossCheckTests {
    /// A generous request deadline: these tests judge what the subject concludes, and on a loaded machine a
    /// 1.3 MB store page can take longer than the 3 s default, which would read as a down store.
    static func check(_ endpoints: TiKVSimulatorEndpoints) async throws -> [Violation] {
        try await FieldPatternTests.subject(endpoints).check().violations
    }

    static func keys(_ violations: [Violation]) -> Set<String> {
        Set(violations.map { "\($0.invariant) \($0.entity)" })
    }

    @Test("The subject's PD client decodes every endpoint it uses")
    func pdClientDecodes() async throws {
        try await withSimulator(frozenClock: false) { simulator, endpoints in
            let pd = PDClient(endpoints: endpoints.pdURLs)
            let members = try await pd.get(PDAPI.members)
            #expect(members.members.count == 3)
            _ = try await pd.get(PDAPI.health)
            _ = try await pd.get(PDAPI.leader)
            _ = try await pd.get(PDAPI.status)
            _ = try await pd.get(PDAPI.version)
            let stores = try await pd.get(PDAPI.stores)
            #expect(stores.count == 3)
            _ = try await pd.get(PDAPI.statsRegion)
            let count = try await pd.get(PDAPI.regionsCount)
            #expect(count.count == 30)
            _ = try await pd.get(PDAPI.scheduleConfig)
            _ = try await pd.get(PDAPI.replicationConfig)
            _ = try await pd.get(PDAPI.cluster)
            _ = try await pd.get(PDAPI.clusterStatus)
            _ = try await pd.get(PDAPI.storesCheck([.up, .disconnected]))
            _ = try await pd.get(PDAPI.store(id: 2))
            try await simulator.inject(.storeDown, entity: "store:2")
            try await simulator.advanceClock(bySeconds: 700)
            for check in PDRegionCheck.allCases {
                _ = try await pd.get(PDAPI.regionsCheck(check))
                _ = try await pd.get(PDAPI.regionsCheckCount(check))
            }
        }
    }

    @Test("check is healthy, reports each fault on the right entity, and is healthy again after the lift")
    func faults() async throws {
        var configuration = TiKVSimulatorConfiguration()
        configuration.qps = 200
        try await withSimulator(configuration, frozenClock: false) { simulator, endpoints in
            var report: [String] = []
            func expectHealthy(_ moment: String) async throws {
                let violations = try await Self.check(endpoints)
                report.append("\(moment): \(Self.keys(violations).sorted())")
                #expect(violations.isEmpty, "\(moment): \(violations.map(\.message))")
            }
            // Rates come from two scrapes of a simulator whose counters move on its physics tick: on a loaded
            // machine one check can see no tick between its scrapes (a zero rate). Checked again until the
            // violation shows, with a hang guard, never a single-shot judgment on timing.
            func expectViolation(_ expected: String, _ moment: String) async throws {
                let deadline = ContinuousClock.now + .seconds(120)
                var found = Self.keys(try await Self.check(endpoints))
                while !found.contains(expected), ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(200))
                    found = Self.keys(try await Self.check(endpoints))
                }
                report.append("\(moment): \(found.sorted())")
                #expect(found.contains(expected), "\(moment): expected \(expected), got \(found.sorted())")
            }
            try await expectHealthy("start")

            try await simulator.inject(.storeDown, entity: "store:2")
            try await expectViolation("store-down store:2", "store-down")
            try await simulator.advanceClock(bySeconds: 40)
            try await expectViolation("replication-degraded cluster", "store-down +40s")
            try await simulator.lift(.storeDown, entity: "store:2")
            try await simulator.advanceClock(bySeconds: 20)
            try await expectHealthy("store-down lifted")

            try await simulator.inject(.diskFull, entity: "store:1")
            try await expectViolation("store-low-space store:1", "disk-full")
            try await simulator.lift(.diskFull, entity: "store:1")
            try await expectHealthy("disk-full lifted")

            try await simulator.inject(.slowDisk, entity: "store:3")
            try await simulator.advanceClock(bySeconds: 40)
            try await expectViolation("slow-store store:3", "slow-disk")
            try await simulator.lift(.slowDisk, entity: "store:3")
            try await simulator.advanceClock(bySeconds: 40)
            try await expectHealthy("slow-disk lifted")

            try await simulator.inject(.hotWrite, entity: "store:1")
            try await expectViolation("cpu-high store:1", "hot-write")
            try await simulator.lift(.hotWrite, entity: "store:1")
            try await expectHealthy("hot-write lifted")

            try await simulator.inject(.pdLeaderDown, entity: "cluster")
            try await simulator.advanceClock(bySeconds: 8)
            try await expectViolation("pd-unhealthy pd:pd3", "pd-leader-down")
            try await simulator.lift(.pdLeaderDown, entity: "cluster")
            try await expectHealthy("pd-leader-down lifted")

            try await simulator.inject(.networkLag, entity: "store:2")
            try await simulator.advanceClock(bySeconds: 5)
            try await expectViolation("raft-lag store:2", "network-lag")
            try await simulator.lift(.networkLag, entity: "store:2")
            try await simulator.advanceClock(bySeconds: 2)
            try await expectHealthy("network-lag lifted")

            #expect(await simulator.requestCount(path: "/pd/api/v1/regions") == 0, "the subject never lists every region")
            print("[subject] " + report.joined(separator: "\n[subject] "))
        }
    }
}
