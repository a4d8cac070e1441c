import OperatorCore

/// `cpu-high`: a store uses more than the given share of its CPU quota — the official TiKV_cpu_quota
/// alert (`rate(process_cpu_seconds_total) / tikv_server_cpu_cores_quota > 0.8`).
public struct CPUHighInvariant: Invariant {
    public let id = "cpu-high"
    public let severity = Severity.warning
    public let summary: String
    public let quotaRatio: Double

    public init(quotaRatio: Double) {
        self.quotaRatio = quotaRatio
        self.summary = "every store uses at most \(Format.percent(quotaRatio)) of its CPU quota"
    }

    public func unavailableReason(in snapshot: TiKVSnapshot) -> String? {
        if let reason = snapshot.storeListUnavailable { return reason }
        if let e = snapshot.metricsError { return "store metrics are unavailable: \(e)" }
        if !snapshot.servingStores.isEmpty, snapshot.servingStores.allSatisfy({ $0.metrics?.cpuQuotaRatio == nil }) {
            return "no store reports both CPU usage and tikv_server_cpu_cores_quota"
        }
        return nil
    }

    public func failedSource(in snapshot: TiKVSnapshot) -> String? {
        snapshot.storesError ?? snapshot.metricsError
    }

    public func evaluate(_ snapshot: TiKVSnapshot) -> [Violation] {
        snapshot.stores.compactMap { store in
            guard let m = store.metrics, let ratio = m.cpuQuotaRatio, ratio > quotaRatio else { return nil }
            return violation(
                on: store.entity,
                "\(store.displayName) uses \(Format.percent(ratio)) of its CPU quota ("
                    + String(format: "%.2f of %.0f cores", m.cpuCores ?? 0, m.cpuQuotaCores ?? 0)
                    + (m.qps.map { String(format: ", %.0f requests/s", $0) } ?? "") + ")",
                excerpt: [
                    "store_id": .number(Double(store.id)), "cpu_cores": JSONValue(m.cpuCores),
                    "cpu_quota_cores": JSONValue(m.cpuQuotaCores), "cpu_quota_ratio": .number(ratio),
                    "qps": JSONValue(m.qps), "threshold": .number(quotaRatio),
                ])
        }
    }
}
