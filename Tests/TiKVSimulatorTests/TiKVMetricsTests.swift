import Foundation
import Testing
@testable import TiKVSimulator

/// A store's `/metrics`: the real metric names (tikv-interfaces.md §2.1), cumulative histograms
/// whose `_count` equals the `+Inf` bucket, and counters that never go down.
@Suite("TiKV status server metrics")
struct TiKVMetricsTests {
    static let requiredFamilies = [
        "tikv_grpc_msg_duration_seconds", "tikv_grpc_msg_fail_total", "tikv_store_size_bytes", "process_cpu_seconds_total",
        "tikv_thread_cpu_seconds_total", "tikv_raftstore_region_count", "tikv_raftstore_log_lag",
        "tikv_raftstore_append_log_duration_seconds", "tikv_raftstore_commit_log_duration_seconds",
        "tikv_raftstore_apply_log_duration_seconds", "tikv_raftstore_slow_score", "tikv_pd_heartbeat_message_total",
        "process_start_time_seconds",
    ]

    @Test("/status answers 200 with an empty body; /metrics carries every required family with its labels")
    func names() async throws {
        try await withSimulator { _, endpoints in
            let store = try endpoints.statusURL(ofStore: 1)
            let status = try await httpGet(store + "/status")
            #expect(status.status == 200 && status.body.isEmpty)
            let reply = try await httpGet(store + "/metrics")
            #expect(reply.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            let metrics = try MetricsText(reply.text)
            for family in Self.requiredFamilies {
                #expect(metrics.familyNames.contains(family), "missing \(family)")
            }
            #expect(metrics.types["tikv_grpc_msg_duration_seconds"] == "histogram")
            #expect(metrics.types["tikv_raftstore_log_lag"] == "histogram")
            #expect(metrics.types["process_cpu_seconds_total"] == "counter")
            for type in ["capacity", "available", "used"] {
                #expect(metrics.values("tikv_store_size_bytes", ["type": type]).count == 1)
            }
            for type in ["region", "leader"] {
                #expect(metrics.values("tikv_raftstore_region_count", ["type": type]).count == 1)
            }
            #expect(try metrics.value("tikv_raftstore_region_count", ["type": "region"]) == 30)
            #expect(!metrics.values("tikv_grpc_msg_duration_seconds_bucket", ["type": "kv_get", "le": "0.00005"]).isEmpty, "50µs·2^k buckets")
            #expect(metrics.values("tikv_raftstore_log_lag_bucket").map { $0.labels["le"] ?? "" }.suffix(3) == ["5120", "10240", "+Inf"])
            #expect(metrics.values("tikv_thread_cpu_seconds_total").allSatisfy { $0.labels["name"] != nil && $0.labels["tid"] != nil })
            #expect(metrics.values("tikv_thread_cpu_seconds_total").contains { $0.labels["name"]?.hasPrefix("raftstore_") == true })
        }
    }

    @Test("Under load: histograms cumulative with _count == +Inf bucket, counters monotonic, QPS ≈ the configured load")
    func consistency() async throws {
        var configuration = TiKVSimulatorConfiguration()
        configuration.qps = 600
        try await withSimulator(configuration) { simulator, endpoints in
            var scrapes: [[MetricsText]] = []
            var times: [Double] = []
            for _ in 0..<3 {
                try await simulator.advanceClock(bySeconds: 50)
                times.append(try await simulator.pdClockSeconds())
                var round: [MetricsText] = []
                for store in endpoints.stores { round.append(try await scrape(store.statusURL)) }
                scrapes.append(round)
            }
            for round in scrapes {
                for metrics in round {
                    for family in metrics.types.filter({ $0.value == "histogram" }).keys {
                        let series = Dictionary(grouping: metrics.values(family + "_bucket")) { sample in
                            sample.labels.filter { $0.key != "le" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                        }
                        for (labels, buckets) in series {
                            let ordered = buckets.sorted {
                                (Double($0.labels["le"] ?? "") ?? .infinity) < (Double($1.labels["le"] ?? "") ?? .infinity)
                            }
                            #expect(zip(ordered, ordered.dropFirst()).allSatisfy { $0.value <= $1.value }, "\(family){\(labels)} buckets cumulative")
                            let matching = Dictionary(uniqueKeysWithValues: (ordered.first?.labels ?? [:]).filter { $0.key != "le" }.map { ($0.key, $0.value) })
                            let count = try metrics.value(family + "_count", matching)
                            #expect(ordered.last?.labels["le"] == "+Inf")
                            #expect(ordered.last?.value == count, "\(family){\(labels)}: _count equals the +Inf bucket")
                        }
                    }
                }
            }
            // Counters and histogram samples never decrease between scrapes of a live process.
            for storeIndex in endpoints.stores.indices {
                for (earlier, later) in zip(scrapes, scrapes.dropFirst()) {
                    let before = earlier[storeIndex], after = later[storeIndex]
                    // Indexed: a realistic page has ~15,000 samples, too many to search one by one.
                    func key(_ sample: MetricsText.Sample) -> String {
                        sample.name + "{" + sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                    }
                    let afterValues = Dictionary(after.samples.map { (key($0), $0.value) }, uniquingKeysWith: { first, _ in first })
                    for sample in before.samples where sample.name.hasSuffix("_total") || sample.name.hasSuffix("_bucket") || sample.name.hasSuffix("_count") || sample.name.hasSuffix("_sum") {
                        let next = afterValues[key(sample)] ?? -1
                        #expect(next >= sample.value, "\(sample.name)\(sample.labels) went from \(sample.value) to \(next)")
                    }
                }
            }
            let first = scrapes[0], last = scrapes[2]
            let requests = zip(first, last).reduce(0.0) { $0 + $1.1.sum("tikv_grpc_msg_duration_seconds_count") - $1.0.sum("tikv_grpc_msg_duration_seconds_count") }
            // Wall time passes while scraping (time scale 1), so the window is a little over 100 s.
            let qps = requests / (times[2] - times[0])
            #expect(abs(qps - 600) < 30, "cluster QPS \(qps)")
        }
    }
}
