import OperatorCore

/// `latency-high`: a store's gRPC p99 (all request types but `kv_gc`, over the rate window or since the
/// last scrape) above the threshold.
public struct LatencyHighInvariant: Invariant {
    public let id = "latency-high"
    public let severity = Severity.warning
    public let summary: String
    public let thresholdSeconds: Double

    public init(thresholdSeconds: Double) {
        self.thresholdSeconds = thresholdSeconds
        self.summary = "every store's gRPC p99 latency is at most \(Format.seconds(thresholdSeconds))"
    }

    public func unavailableReason(in snapshot: TiKVSnapshot) -> String? {
        if let reason = snapshot.storeListUnavailable { return reason }
        if let e = snapshot.metricsError { return "store metrics are unavailable: \(e)" }
        let serving = snapshot.servingStores
        if !serving.isEmpty, serving.allSatisfy({ $0.metrics?.p99LatencySeconds == nil }) {
            return "no store has a p99 latency yet (no traffic in the window, or only one scrape so far)"
        }
        return nil
    }

    public func failedSource(in snapshot: TiKVSnapshot) -> String? {
        snapshot.storesError ?? snapshot.metricsError
    }

    public func evaluate(_ snapshot: TiKVSnapshot) -> [Violation] {
        snapshot.stores.compactMap { store in
            guard let m = store.metrics, let p99 = m.p99LatencySeconds, p99 > thresholdSeconds else { return nil }
            return violation(
                on: store.entity,
                "\(store.displayName) gRPC p99 latency is \(Format.seconds(p99)) (threshold \(Format.seconds(thresholdSeconds)))"
                    + (m.qps.map { String(format: " at %.0f requests/s", $0) } ?? ""),
                excerpt: [
                    "store_id": .number(Double(store.id)), "p99_latency_seconds": .number(p99),
                    "qps": JSONValue(m.qps), "window_seconds": JSONValue(m.windowSeconds),
                    "threshold_seconds": .number(thresholdSeconds),
                ])
        }
    }
}
