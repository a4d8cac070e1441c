import AsyncHTTPClient
import OperatorHTTP
import Foundation
import Logging
import OperatorCore
import PrometheusClient

/// Store metrics through a Prometheus server with the official dashboards' PromQL. Series map to stores by
/// their `instance` label, which must equal the store's status address (how the reference compose and
/// TiUP scrape TiKV). Each store's `/status` is probed as well, unless turned off.
public struct PrometheusStoreMetricsSource: StoreMetricsSource {
    public let api: PrometheusAPI
    /// PromQL range for rates, e.g. `1m`.
    public let window: String
    let probe: StatusProbe?

    public var name: String { "prometheus" }

    public init(api: PrometheusAPI, window: String = "1m", probeTimeout: Duration? = .seconds(3),
        httpClient: HTTPClient = OperatorHTTPClient.shared)
    {
        self.api = api
        self.window = window
        self.probe = probeTimeout.map { StatusProbe(timeout: $0, httpClient: httpClient) }
    }

    public func read(_ targets: [StoreMetricsTarget]) async -> StoreMetricsReading {
        var reading = StoreMetricsReading(source: name)
        var storeByInstance: [String: UInt64] = [:]
        for t in targets { storeByInstance[t.instanceKey] = t.storeID }

        let queries = TiKVMetricQueries.prometheusQueries(window: window)
        let results = await withTaskGroup(of: (Int, Result<[PrometheusVectorSample], any Error>).self) { group in
            for (i, q) in queries.enumerated() {
                group.addTask {
                    do { return (i, .success(try await api.queryVector(q.promql))) } catch { return (i, .failure(error)) }
                }
            }
            var out: [(Int, Result<[PrometheusVectorSample], any Error>)] = []
            for await r in group { out.append(r) }
            return out.sorted { $0.0 < $1.0 }
        }

        var metrics: [UInt64: StoreMetrics] = [:]
        var seenInstances: Set<String> = []
        var failures: [String] = []
        var unreachable = 0
        for (i, result) in results {
            switch result {
            case .success(let samples):
                for s in samples {
                    guard let instance = s.metric["instance"] else { continue }
                    let key = StoreMetricsTarget.instanceKey(instance)
                    seenInstances.insert(key)
                    guard let store = storeByInstance[key] else { continue }
                    queries[i].apply(&metrics[store, default: StoreMetrics()], s.metric, s.value)
                }
            case .failure(let error):
                if let e = error as? PrometheusAPIError, case .unreachable = e.kind { unreachable += 1 }
                failures.append("\(error)")
            }
        }
        if unreachable == queries.count || failures.count == queries.count {
            reading.sourceError = failures.first ?? "Prometheus at \(api.baseURL) did not answer"
        } else {
            reading.notes += failures
        }
        for t in targets {
            if var m = metrics[t.storeID] {
                m.windowSeconds = try? DurationText.seconds(window)
                reading.metrics[t.storeID] = m
            } else if reading.sourceError == nil {
                let seen = seenInstances.sorted().prefix(5).joined(separator: ", ")
                reading.errors[t.storeID] =
                    "Prometheus at \(api.baseURL) has no TiKV series with instance=\"\(t.statusAddress)\""
                    + (seen.isEmpty ? "" : " (instances seen: \(seen))")
                    + "; scrape each store's status address so the instance label matches PD's status_address"
            }
        }
        if let probe {
            await withTaskGroup(of: (UInt64, (Bool, String?)).self) { group in
                for t in targets { group.addTask { (t.storeID, await probe.probe(t)) } }
                for await (id, r) in group {
                    reading.statusReachable[id] = r.0
                    if let e = r.1 { reading.statusErrors[id] = e }
                }
            }
        }
        return reading
    }
}
