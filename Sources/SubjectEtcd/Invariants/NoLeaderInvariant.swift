import OperatorCore

/// `no-leader`: the cluster has a leader. Fires after `after` consecutive observations in which no
/// reachable member reports one (status without `leader`, `"errors":["etcdserver: no leader"]`, or
/// `etcd_server_has_leader 0`, §A), so a normal 1–2 s election does not open a ticket.
public struct NoLeaderInvariant: Invariant {
    public let id = "no-leader"
    public let severity = Severity.critical
    public let summary = "a member leads the cluster"
    public var after: Int

    public init(after: Int = 2) { self.after = after }

    public func unavailableReason(in s: EtcdSnapshot) -> String? {
        let answered = s.members.contains { $0.reachable && ($0.status != nil || $0.metrics?.hasLeader != nil) }
        return answered ? nil : "no reachable member answered maintenance/status or reported etcd_server_has_leader"
    }

    public func evaluate(_ s: EtcdSnapshot) -> [Violation] {
        guard s.leader == nil, s.leaderlessObservations >= after else { return [] }
        let views = s.members.map { m -> String in
            if !m.reachable { return "\(m.displayName) unreachable" }
            if let error = m.status?.errors.first { return "\(m.displayName) says \"\(error)\"" }
            return "\(m.displayName) reports no leader"
        }
        var message = "no leader for \(s.leaderlessObservations) consecutive observations: \(views.joined(separator: ", "))"
        if let previous = s.previousLeader { message += "; last leader \(previous.name ?? previous.id.hex)" }
        return [
            violation(
                on: .cluster, message,
                excerpt: [
                    "leaderless_observations": .number(Double(s.leaderlessObservations)),
                    "previous_leader": s.previousLeader.map { .string($0.name ?? $0.id.hex) } ?? .null,
                    "members": .array(views.map { .string($0) }),
                ])
        ]
    }
}
