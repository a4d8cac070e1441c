import OperatorCore

/// `db-size-near-quota`: each member's backend database stays under a share of its quota. At the quota
/// etcd raises the NOSPACE alarm and refuses writes; a member already reporting that alarm is critical.
public struct DBSizeNearQuotaInvariant: Invariant {
    public let id = "db-size-near-quota"
    public let severity = Severity.warning
    public let summary = "every member's database stays under the configured share of its backend quota"
    public var ratio: Double
    /// Used when metrics do not report `etcd_server_quota_backend_bytes`.
    public var fallbackQuotaBytes: Double?

    public init(ratio: Double = 0.8, fallbackQuotaBytes: Double? = nil) {
        self.ratio = ratio
        self.fallbackQuotaBytes = fallbackQuotaBytes
    }

    /// Database size and quota of a member, when both are known.
    public func usage(_ m: EtcdMemberState) -> (size: Double, quota: Double)? {
        let size = m.metrics?.dbTotalSizeBytes ?? m.status?.dbSizeBytes.map(Double.init)
        let quota = m.metrics?.quotaBackendBytes ?? fallbackQuotaBytes
        // Sources drop impossible values; this guard keeps a hand-built or replayed snapshot honest too.
        guard let size, let quota, size.isFinite, size >= 0, quota.isFinite, quota > 0 else { return nil }
        return (size, quota)
    }

    public func unavailableReason(in s: EtcdSnapshot) -> String? {
        if s.members.contains(where: { usage($0) != nil }) { return nil }
        return "no member reports both its database size and etcd_server_quota_backend_bytes; set quota_backend_bytes in the etcd settings to check without metrics"
    }

    /// Only a failed metrics source counts as a failure; "no two readings yet" is warm-up.
    public func failedSource(in s: EtcdSnapshot) -> String? { s.metricsError }

    public func evaluate(_ s: EtcdSnapshot) -> [Violation] {
        s.members.compactMap { m in
            // Every member reports the alarm in its status errors; only the member that raised it is full.
            let alarm = s.alarms.first { $0.kind == "NOSPACE" && $0.memberID == m.id }.map(\.description)
            guard let (size, quota) = usage(m) else {
                guard let alarm else { return nil }
                return violation(on: m.entity, "\(alarm): \(m.displayName)'s database reached its quota", severity: .critical)
            }
            let share = size / quota
            guard share > ratio || alarm != nil else { return nil }
            var message =
                "database on \(m.displayName) is \(ByteText.format(size)), \(NumberText.percent(share)) of its \(ByteText.format(quota)) quota (threshold \(NumberText.percent(ratio)))"
            if let alarm { message += "; \(alarm)" }
            return violation(
                on: m.entity, message,
                excerpt: [
                    "member": .string(m.displayName), "db_size_bytes": .number(size), "quota_backend_bytes": .number(quota),
                    "ratio": .number(share), "threshold": .number(ratio),
                ],
                severity: alarm != nil || share >= 1 ? .critical : .warning)
        }
    }
}
