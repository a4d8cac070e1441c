import OperatorCore

/// `member-unhealthy`: every member that answers also passes `/health`. Fires after `unhealthyAfter`
/// consecutive failed checks (an election makes survivors answer 503 for about a second, §A), naming the
/// reason: a slow disk, or what `/health` said. Not for conditions with their own invariant: a member that
/// only reports the cluster has no leader (`no-leader`/`quorum-lost`), an active alarm (`alarm-active`
/// explains every member's 503), or a member recovering from being down or frozen.
public struct MemberUnhealthyInvariant: Invariant {
    public let id = "member-unhealthy"
    public let severity = Severity.warning
    public let summary = "every member that answers passes /health"
    public var unhealthyAfter: Int
    public var disk: EtcdDiskThresholds

    public init(unhealthyAfter: Int = 3, disk: EtcdDiskThresholds = EtcdDiskThresholds()) {
        self.unhealthyAfter = unhealthyAfter
        self.disk = disk
    }

    public func evaluate(_ s: EtcdSnapshot) -> [Violation] {
        s.members.compactMap { m in
            guard m.reachable, m.healthy != true, m.consecutiveUnhealthy >= unhealthyAfter else { return nil }
            let c = s.condition(of: m, disk: disk)
            guard c.health == .slowDisk || c.health == .failing else { return nil }
            let message =
                "member \(m.displayName) answers but failed /health on \(m.consecutiveUnhealthy) consecutive observations (\(c.health.rawValue)): \(c.reason ?? "no verdict")"
            return violation(on: m.entity, message, excerpt: MemberExcerpt.of(m, in: s))
        }
    }
}
