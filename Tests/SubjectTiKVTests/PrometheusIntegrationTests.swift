import OperatorTestSupport
import Foundation
import OperatorCore
import PrometheusClient
import Testing

@testable import SubjectTiKV

/// A real Prometheus scrapes TiKV-format `/metrics` served by the test; the subject must read the same
/// numbers through PromQL as by scraping the stores itself.
@Suite("Real Prometheus against TiKV-format metrics", .enabled(
    if: PrometheusServer.binary != nil,
    "skipped: the prometheus binary is not installed (apt-get install prometheus); CI installs it"))
struct PrometheusIntegrationTests {
    @Test("PromQL path and direct-scrape path fill the same store metrics")
    func samePathsSameNumbers() async throws {
        let start = Date()
        let models = [
            TiKVPageModel(),
            TiKVPageModel(
                qpsByType: ["kv_get": 900, "kv_prewrite": 300, "kv_commit": 300, "kv_gc": 5], grpcBuckets: [4: 0.6, 6: 0.37, 12: 0.03],
                availableBytes: 16_106_127_360, cpuCores: 3.5, raftstoreCores: 1.2, leaders: 40, regions: 61, slowScore: 85,
                lagBuckets: [9: 0.5, 10: 0.45, 11: 0.05], appendBuckets: [12: 0.95, 14: 0.05]),
        ]
        let routers = models.map { model in
            fakeTiKVStatusRouter(metrics: {
                let now = Date()
                return model.page(elapsed: now.timeIntervalSince(start), stampedAt: now)
            })
        }
        try await withLocalHTTPServers(routers) { statusURLs in
            let addresses = statusURLs.map { $0.replacingOccurrences(of: "http://", with: "") }
            // PD's own slow_score agrees with the store's tikv_raftstore_slow_score.
            let stores = addresses.enumerated().map { i, a in
                FakeStore(id: UInt64(i + 1), statusAddress: a, slowScore: Int(models[i].slowScore))
            }
            try await withLocalHTTPServer(try fakePDRouter(stores: stores, log: RequestLog())) { pdURL in
                try await PrometheusServer.with(scraping: addresses) { promURL in
                    let api = PrometheusAPI(baseURL: promURL, timeout: .seconds(20))
                    // Every store has at least 6 samples in the last 10 s, so a [5s] rate is fully covered.
                    try await PrometheusServer.waitForSeries(
                        api, "count_over_time(process_cpu_seconds_total[10s]) >= 6", count: models.count)

                    let viaPrometheus = try TiKVSubject(
                        configuration: SubjectConfiguration(
                            endpoints: [pdURL], prometheusURL: promURL,
                            settings: ["prometheus_rate_window": "5s"], requestTimeout: .seconds(10)))
                    let direct = try TiKVSubject(
                        configuration: SubjectConfiguration(
                            endpoints: [pdURL], settings: ["direct_scrape_warmup": "2s"], requestTimeout: .seconds(10)))
                    let p = try await viaPrometheus.observe()
                    let d = try await direct.observe()
                    #expect(p.metricsSource == "prometheus")
                    #expect(d.metricsSource == "direct")
                    #expect(p.metricsError == nil, "\(p.metricsError ?? "")")

                    for (i, model) in models.enumerated() {
                        let id = UInt64(i + 1)
                        let pm = try #require(p.store(id)?.metrics, "store \(id) via Prometheus: \(p.store(id)?.metricsError ?? "")")
                        let dm = try #require(d.store(id)?.metrics, "store \(id) direct: \(d.store(id)?.metricsError ?? "")")
                        print("store \(id) prometheus: qps \(pm.qps ?? -1) p99 \(pm.p99LatencySeconds ?? -1) cpu \(pm.cpuCores ?? -1) lag \(pm.raftLogLagP99 ?? -1)")
                        print("store \(id) direct:     qps \(dm.qps ?? -1) p99 \(dm.p99LatencySeconds ?? -1) cpu \(dm.cpuCores ?? -1) lag \(dm.raftLogLagP99 ?? -1)")

                        // Gauges: identical.
                        for (name, a, b) in [
                            ("capacity", pm.capacityBytes, dm.capacityBytes), ("available", pm.availableBytes, dm.availableBytes),
                            ("used", pm.usedBytes, dm.usedBytes), ("leaders", pm.leaderCount, dm.leaderCount),
                            ("regions", pm.regionCount, dm.regionCount), ("slow score", pm.slowScore, dm.slowScore),
                            ("cpu quota", pm.cpuQuotaCores, dm.cpuQuotaCores),
                        ] {
                            #expect(a != nil && a == b, "store \(id) \(name): prometheus \(String(describing: a)) direct \(String(describing: b))")
                        }
                        // Rates and quantiles: the same numbers within sampling jitter, and the model's truth.
                        // Rates get 10 %: rate() extrapolates to the window's edges, and when a loaded machine
                        // delays scrapes the extrapolation drifts by a few percent. A wrong query (a missing
                        // sum, a wrong label) is off by a factor, far outside that.
                        let rateTolerance = 0.10
                        let pairs: [(String, Double?, Double?, Double, Double)] = [
                            ("qps", pm.qps, dm.qps, model.expectedQPS, rateTolerance),
                            ("kv_get qps", pm.qpsByType["kv_get"], dm.qpsByType["kv_get"], model.qpsByType["kv_get"] ?? 0, rateTolerance),
                            ("cpu", pm.cpuCores, dm.cpuCores, model.cpuCores, rateTolerance),
                            ("raftstore cpu", pm.raftstoreCPUCores, dm.raftstoreCPUCores, model.raftstoreCores, rateTolerance),
                            ("failures", pm.grpcFailuresPerSecond, dm.grpcFailuresPerSecond, 0.5, rateTolerance),
                            ("p99", pm.p99LatencySeconds, dm.p99LatencySeconds,
                             TiKVPageModel.expectedP99(model.grpcBuckets, bounds: TiKVPageModel.grpcBounds), 0.02),
                            ("log lag p99", pm.raftLogLagP99, dm.raftLogLagP99,
                             TiKVPageModel.expectedP99(model.lagBuckets, bounds: TiKVPageModel.lagBounds), 0.02),
                            ("append p99", pm.appendLogP99Seconds, dm.appendLogP99Seconds,
                             TiKVPageModel.expectedP99(model.appendBuckets, bounds: TiKVPageModel.durationBounds), 0.02),
                            ("commit p99", pm.commitLogP99Seconds, dm.commitLogP99Seconds,
                             TiKVPageModel.expectedP99(model.commitBuckets, bounds: TiKVPageModel.durationBounds), 0.02),
                            ("apply p99", pm.applyLogP99Seconds, dm.applyLogP99Seconds,
                             TiKVPageModel.expectedP99(model.applyBuckets, bounds: TiKVPageModel.durationBounds), 0.02),
                        ]
                        for (name, viaProm, viaScrape, truth, tolerance) in pairs {
                            let a = try #require(viaProm, "store \(id) \(name) via Prometheus")
                            let b = try #require(viaScrape, "store \(id) \(name) direct")
                            #expect(abs(a - b) <= tolerance * truth, "store \(id) \(name): prometheus \(a) vs direct \(b)")
                            #expect(abs(a - truth) <= tolerance * truth, "store \(id) \(name): prometheus \(a) vs model \(truth)")
                            #expect(abs(b - truth) <= tolerance * truth, "store \(id) \(name): direct \(b) vs model \(truth)")
                        }
                    }
                    // Both paths see the same violations for the busy store.
                    let viaProm = Set(viaPrometheus.evaluate(p).violations.map { "\($0.invariant)@\($0.entity)" })
                    let viaScrape = Set(direct.evaluate(d).violations.map { "\($0.invariant)@\($0.entity)" })
                    #expect(viaProm == viaScrape)
                    #expect(viaProm.isSuperset(of: ["store-low-space@store:2", "slow-store@store:2", "cpu-high@store:2"]), "\(viaProm)")

                    // Diagnosis evidence: range windows from the same Prometheus, mapped to stores.
                    let evidence = await viaPrometheus.knowledge.gatherEvidence(
                        for: EvidenceRequest(rootEntity: "store:2", tickets: [], window: DateInterval(start: start, end: Date())),
                        snapshot: p)
                    #expect(evidence.metrics.contains { $0.name == "store.qps" && $0.entity == "store:2" && !$0.points.isEmpty })
                    #expect(evidence.signals.contains { $0.name == "store.slow_score" && $0.entity == "store:2" && $0.number == 85 })
                }
            }
        }
    }
}
