import OperatorCore

/// `fsync-slow`: each member's WAL fsync p99 over the window stays under the threshold
/// (`histogram_quantile(0.99, rate(etcd_disk_wal_fsync_duration_seconds_bucket[window]))`). A window
/// without writes has no quantile (NaN, as in PromQL, §B) and is healthy; so is one with fewer fsyncs than
/// `minimumSamples`, where the p99 is just the slowest of a handful.
public struct FsyncSlowInvariant: Invariant {
    public let id = "fsync-slow"
    public let severity = Severity.warning
    public let summary = "WAL fsync p99 stays under the threshold on every member"
    public var thresholdSeconds: Double
    public var minimumSamples: Double

    public init(thresholdSeconds: Double = 0.5, minimumSamples: Double = 10) {
        self.thresholdSeconds = thresholdSeconds
        self.minimumSamples = minimumSamples
    }

    public func unavailableReason(in s: EtcdSnapshot) -> String? {
        if s.members.contains(where: { $0.metrics?.walFsyncP99Seconds != nil }) { return nil }
        return s.metricsError.map { "metrics unavailable (\(s.metricsSource)): \($0)" }
            ?? "no member has two metric readings within the window yet"
    }

    /// Only a failed metrics source counts as a failure; "no two readings yet" is warm-up.
    public func failedSource(in s: EtcdSnapshot) -> String? { s.metricsError }

    public func evaluate(_ s: EtcdSnapshot) -> [Violation] {
        s.members.compactMap { m in
            guard let p99 = m.metrics?.walFsyncP99Seconds, p99.isFinite, p99 > thresholdSeconds else { return nil }
            let fsyncs = m.metrics?.walFsyncsInWindow
            if let fsyncs, fsyncs < minimumSamples { return nil }
            let message =
                "WAL fsync p99 on \(m.displayName) is \(DurationText.format(seconds: p99)) over the last \(DurationText.format(seconds: m.metrics?.windowSeconds ?? s.windowSeconds)) (threshold \(DurationText.format(seconds: thresholdSeconds)))"
            var excerpt: [String: JSONValue] = [
                "member": .string(m.displayName), "wal_fsync_p99_seconds": .number(p99),
                "threshold_seconds": .number(thresholdSeconds),
            ]
            if let fsyncs { excerpt["fsyncs_in_window"] = .number(fsyncs) }
            if let commit = m.metrics?.backendCommitP99Seconds, commit.isFinite {
                excerpt["backend_commit_p99_seconds"] = .number(commit)
            }
            return violation(on: m.entity, message, excerpt: .object(excerpt))
        }
    }
}
