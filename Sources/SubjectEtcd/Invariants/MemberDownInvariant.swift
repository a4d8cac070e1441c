import OperatorCore

/// `member-down`: every member answers on its client URL and reports healthy.
///
/// Unreachable (refused, timed out, never started) is critical at once. Reachable but failing `/health`
/// counts only after `unhealthyAfter` consecutive observations, and not when the member merely reports
/// that the cluster has no leader: that is `no-leader`/`quorum-lost` on `cluster`, not this member's fault.
public struct MemberDownInvariant: Invariant {
    public let id = "member-down"
    public let severity = Severity.critical
    public let summary = "every member answers on its client URL and reports healthy"
    public var unhealthyAfter: Int

    public init(unhealthyAfter: Int = 3) { self.unhealthyAfter = unhealthyAfter }

    public func evaluate(_ s: EtcdSnapshot) -> [Violation] {
        s.members.compactMap { m in
            let note = LeaderNote.about(m, in: s)
            if !m.reachable {
                var message = "member \(m.displayName) (\(m.clientURL ?? "no client URL")) is unreachable: \(m.unreachableReason ?? "no answer")"
                if let note { message += " — \(note)" }
                return violation(on: m.entity, message, excerpt: excerpt(m, s))
            }
            guard m.healthy != true, m.consecutiveUnhealthy >= unhealthyAfter, !m.reportsNoLeader else { return nil }
            var message = "member \(m.displayName) failed /health on \(m.consecutiveUnhealthy) consecutive observations: \(m.healthDetail ?? "no verdict")"
            if let note { message += " — \(note)" }
            return violation(on: m.entity, message, excerpt: excerpt(m, s), severity: .warning)
        }
    }

    private func excerpt(_ m: EtcdMemberState, _ s: EtcdSnapshot) -> JSONValue {
        var o: [String: JSONValue] = [
            "member": .string(m.displayName), "id": .string(m.id.hex), "reachable": .bool(m.reachable),
            "was_leader": .bool(LeaderNote.wasLeader(m, in: s)),
            "consecutive_unhealthy": .number(Double(m.consecutiveUnhealthy)),
        ]
        if let url = m.clientURL { o["client_url"] = .string(url) }
        if let h = m.healthy { o["healthy"] = .bool(h) }
        if let reason = m.unreachableReason { o["error"] = .string(reason) }
        if let detail = m.healthDetail { o["health_detail"] = .string(detail) }
        if let since = m.downSince { o["down_since"] = .string(Timestamp.format(since)) }
        if let leader = s.leader { o["leader"] = .string(leader.name ?? leader.id.hex) }
        return .object(o)
    }
}
