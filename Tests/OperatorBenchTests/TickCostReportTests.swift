import Foundation
import OperatorCore
import Testing

@testable import OperatorBench

/// The tick-cost report's ratios and issue 16's targets, from results shaped as a run produces them.
@Suite("tick-cost report")
struct TickCostReportTests {
    static func result(
        stores: Int, scenario: TickCostBenchmark.Scenario, tickSeconds: [Double], cpuSeconds: [Double], bytesByPath: [String: Double],
        requestsByPath: [String: Double], rssPeak: Int
    ) -> TickCostReport.Result {
        TickCostReport.Result(
            size: .init(stores: stores, regions: 1_000_000), scenario: scenario, downPeerRegions: scenario == .healthy ? 0 : 30_000,
            ticks: tickSeconds.count, warmupTicks: 2, tick: LatencySummary(seconds: tickSeconds), cpu: LatencySummary(seconds: cpuSeconds),
            rssBeforeBytes: rssPeak / 2, rssPeakBytes: rssPeak, rssAfterBytes: rssPeak / 2, anonymousPeakBytes: rssPeak / 4,
            rssPeakIsKernelMark: true, simulatorRSSBytes: nil, requestsPerTickByPath: requestsByPath, bytesPerTickByPath: bytesByPath,
            violationsLastTick: scenario == .healthy ? 0 : 1, tickErrors: [], fileBackedBytes: 45_000_000)
    }

    static let report = TickCostReport(
        results: [
            result(stores: 3, scenario: .healthy, tickSeconds: [0.010, 0.012, 0.011], cpuSeconds: [0.004, 0.005, 0.006],
                   bytesByPath: ["/pd/api/v1/stores": 20_000, "store:/metrics": 180_000], requestsByPath: ["/pd/api/v1/stores": 1, "store:/metrics": 3],
                   rssPeak: 50_000_000),
            result(stores: 100, scenario: .healthy, tickSeconds: [0.040, 0.044, 0.042], cpuSeconds: [0.018, 0.020, 0.025],
                   bytesByPath: ["/pd/api/v1/stores": 400_000, "store:/metrics": 800_000], requestsByPath: ["/pd/api/v1/stores": 1, "store:/metrics": 5],
                   rssPeak: 60_000_000),
            result(stores: 100, scenario: .oneStoreDown, tickSeconds: [0.050], cpuSeconds: [0.030],
                   bytesByPath: ["/pd/api/v1/regions/check/down-peer": 2_000_000], requestsByPath: ["/pd/api/v1/regions/check/down-peer": 1],
                   rssPeak: 70_000_000),
        ],
        interval: "1s", qps: 100)

    @Test func ratiosAreToTheSmallestSizeOfTheSameScenario() throws {
        let ratios = Self.report.ratios
        #expect(ratios.count == 3)
        let healthy100 = try #require(ratios.first { $0.stores == 100 && $0.scenario == .healthy })
        #expect(healthy100.tickP50 == 0.042 / 0.011)
        #expect(healthy100.bytesPerTick == 1_200_000.0 / 200_000)
        #expect(healthy100.requestsPerTick == 6.0 / 4)
        #expect(healthy100.rssPeak == 60.0 / 50)
        // One store down was measured at 100 stores only: it is its own base.
        let down = try #require(ratios.first { $0.scenario == .oneStoreDown })
        #expect(down.tickP50 == 1 && down.bytesPerTick == 1)
    }

    @Test func targetsApplyAt100StoresAndSayHowFarOff() throws {
        let targets = Self.report.targets
        #expect(targets.allSatisfy { $0.stores == 100 }, "3 stores has no bound")
        #expect(targets.map(\.metric) == ["tick p50", "CPU per tick (mean)", "read per tick", "RSS peak", "read per tick (mean)"])
        let cpu = try #require(targets.first { $0.metric == "CPU per tick (mean)" })
        #expect(cpu.met == false, "a 21 ms mean is over the 20 ms bound")
        #expect(cpu.summary.contains("not met, 1.05x the bound"), "\(cpu.summary)")
        let read = try #require(targets.first { $0.metric == "read per tick" })
        #expect(read.met == false && read.summary.contains("1.20 MB"), "\(read.summary)")
        let tick = try #require(targets.first { $0.metric == "tick p50" })
        #expect(tick.met && tick.summary.hasSuffix("(met)"), "\(tick.summary)")
        let downRead = try #require(targets.first { $0.metric == "read per tick (mean)" })
        #expect(downRead.met && downRead.bound == 5_000_000)
    }

    @Test func tableHasOneRowPerResultAndOneRatioRowPerLargerSize() throws {
        let table = Self.report.table
        #expect(table.rows.count == 4)
        let ratio = try #require(table.rows.last)
        #expect(ratio.first == "ratio 100 / 3 stores")
        #expect(ratio[4] == "3.82x", "tick p50 0.042 s / 0.011 s")
        #expect(table.rows[1][8] == BenchFormat.byteCount(1_200_000))
        let markdown = table.render(markdown: true)
        #expect(markdown.hasPrefix("### Tick cost of the TiKV subject against the simulator\n\n| cluster | scenario |"))
        #expect(markdown.contains("targets (issue 16, 2 cores): 100 stores healthy tick p50 ≤ 50.0 ms: 42.0 ms (met)"))
    }

    @Test func jsonCarriesResultsRatiosAndTargetsInSnakeCase() throws {
        let data = try JSONEncoder.operatorEncoder.encode(Self.report)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(json.keys) == ["results", "ratios", "targets", "interval", "qps"])
        let first = try #require((json["results"] as? [[String: Any]])?.first)
        #expect(first["bytes_per_tick"] as? Double == 200_000)
        #expect(first["region_list_requests_per_tick"] as? Double == 0)
        #expect((first["cpu_per_tick"] as? [String: Any])?["p50_seconds"] as? Double == 0.005)
    }
}
