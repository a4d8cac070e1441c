import OperatorCore

/// `leader-churn`: leadership is stable. Counts leader changes within the window: the largest
/// `increase(etcd_server_leader_changes_seen_total)` any member reports, or, without metrics, the changes
/// Operator itself observed between snapshots.
public struct LeaderChurnInvariant: Invariant {
    public let id = "leader-churn"
    public let severity = Severity.warning
    public let summary = "no more leader changes within the window than the configured maximum"
    public var maximum: Double

    public init(maximum: Double = 3) { self.maximum = maximum }

    /// The count and where it came from.
    public static func leaderChanges(in s: EtcdSnapshot) -> (count: Double, source: String, byMember: [String: Double]) {
        var byMember: [String: Double] = [:]
        for m in s.members {
            if let v = m.metrics?.leaderChangesInWindow, v.isFinite { byMember[m.displayName] = v }
        }
        if let most = byMember.values.max() {
            return (most, "increase(etcd_server_leader_changes_seen_total) via \(s.metricsSource)", byMember)
        }
        return (Double(s.observedLeaderChanges), "leader changes Operator observed", [:])
    }

    public func evaluate(_ s: EtcdSnapshot) -> [Violation] {
        let (count, source, byMember) = Self.leaderChanges(in: s)
        guard count > maximum else { return [] }
        let window = DurationText.format(seconds: s.windowSeconds)
        let message =
            "\(NumberText.integer(count)) leader changes in the last \(window) (more than \(NumberText.integer(maximum)) is churn); source: \(source)"
        return [
            violation(
                on: .cluster, message,
                excerpt: [
                    "leader_changes": .number(count), "maximum": .number(maximum), "window_seconds": .number(s.windowSeconds),
                    "by_member": .object(byMember.mapValues { .number($0) }),
                    "leader": s.leader.map { .string($0.name ?? $0.id.hex) } ?? .null,
                ])
        ]
    }
}
