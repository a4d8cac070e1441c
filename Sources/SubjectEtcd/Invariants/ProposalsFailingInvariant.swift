import OperatorCore

/// `proposals-failing`: raft proposals go through. Sums `increase(etcd_server_proposals_failed_total)`
/// over the window across members (each counts the proposals it made). A leader election fails one or two
/// in-flight proposals (§A), so the default allows a few.
public struct ProposalsFailingInvariant: Invariant {
    public let id = "proposals-failing"
    public let severity = Severity.warning
    public let summary = "no more failed raft proposals within the window than the configured maximum"
    public var maximum: Double

    public init(maximum: Double = 5) { self.maximum = maximum }

    public func unavailableReason(in s: EtcdSnapshot) -> String? {
        if s.members.contains(where: { $0.metrics?.proposalsFailedInWindow != nil }) { return nil }
        return s.metricsError.map { "metrics unavailable (\(s.metricsSource)): \($0)" }
            ?? "no member has two metric readings within the window yet"
    }

    /// Only a failed metrics source counts as a failure; "no two readings yet" is warm-up.
    public func failedSource(in s: EtcdSnapshot) -> String? { s.metricsError }

    public func evaluate(_ s: EtcdSnapshot) -> [Violation] {
        var byMember: [String: Double] = [:]
        for m in s.members {
            if let v = m.metrics?.proposalsFailedInWindow, v.isFinite, v > 0 { byMember[m.displayName] = v }
        }
        let total = byMember.values.reduce(0, +)
        guard total > maximum else { return [] }
        let parts = byMember.sorted { $0.key < $1.key }.map { "\($0.key): \(NumberText.integer($0.value))" }.joined(separator: ", ")
        let pending = s.members.compactMap { $0.metrics?.proposalsPending }.max()
        var message =
            "\(NumberText.integer(total)) raft proposals failed in the last \(DurationText.format(seconds: s.windowSeconds)) (\(parts); more than \(NumberText.integer(maximum)) allowed)"
        if let pending, pending > 0 { message += "; \(NumberText.integer(pending)) pending" }
        return [
            violation(
                on: .cluster, message,
                excerpt: [
                    "failed": .number(total), "maximum": .number(maximum),
                    "by_member": .object(byMember.mapValues { .number($0) }),
                    "pending": pending.map { .number($0) } ?? .null,
                ])
        ]
    }
}
