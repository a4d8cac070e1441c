import OperatorCore

/// `member-down`: every listed member's process answers on its client URL. Fires at once when a member
/// refuses connections (nothing listens: killed, crashed, stopped) or was added and never started. A member
/// that accepts connections and says nothing is `member-unresponsive`; one that answers and fails `/health`
/// is `member-unhealthy`: neither is down.
public struct MemberDownInvariant: Invariant {
    public let id = "member-down"
    public let severity = Severity.critical
    public let summary = "every member's process answers on its client URL"

    public init() {}

    public func evaluate(_ s: EtcdSnapshot) -> [Violation] {
        s.members.compactMap { m in
            let how = m.reachability
            guard how == .refused || how == .notStarted else { return nil }
            var message = "member \(m.displayName) (\(m.clientURL ?? "no client URL")) is down: \(m.unreachableReason ?? "connection refused")"
            if let note = LeaderNote.about(m, in: s) { message += " — \(note)" }
            return violation(on: m.entity, message, excerpt: MemberExcerpt.of(m, in: s))
        }
    }
}

/// The excerpt member tickets share: who, how reachable, in what state, and the leadership facts.
enum MemberExcerpt {
    static func of(_ m: EtcdMemberState, in s: EtcdSnapshot) -> JSONValue {
        let c = s.condition(of: m)
        var o: [String: JSONValue] = [
            "member": .string(m.displayName), "id": .string(m.id.hex), "reachable": .bool(m.reachable),
            "reachability": .string(c.reachability.rawValue), "state": .string(c.health.rawValue),
            "was_leader": .bool(LeaderNote.wasLeader(m, in: s)),
            "consecutive_unhealthy": .number(Double(m.consecutiveUnhealthy)),
        ]
        if let reason = c.reason { o["state_reason"] = .string(reason) }
        if let url = m.clientURL { o["client_url"] = .string(url) }
        if let h = m.healthy { o["healthy"] = .bool(h) }
        if let reason = m.unreachableReason { o["error"] = .string(reason) }
        if let detail = m.healthDetail { o["health_detail"] = .string(detail) }
        if let since = m.downSince { o["down_since"] = .string(Timestamp.format(since)) }
        if let leader = s.answeringLeader { o["leader"] = .string(leader.name ?? leader.id.hex) }
        return .object(o)
    }
}
