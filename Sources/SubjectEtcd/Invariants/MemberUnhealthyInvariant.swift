import OperatorCore

/// `member-unhealthy`: every member that answers also passes `/health`. Fires after `unhealthyAfter`
/// consecutive failed checks (an election makes survivors answer 503 for about a second, §A), naming the
/// reason: a slow disk, no leader while the others follow one (cut off: a partition), or what `/health`
/// said. Not for conditions with their own invariant: a member that reports no leader when no member has
/// one (`no-leader`/`quorum-lost`), an active alarm (`alarm-active` explains every member's 503), or a
/// member recovering from being down or frozen.
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
            // A member that sees no leader while the others follow one is cut off from them (a partition):
            // no cluster-wide invariant would notice, so it is this member's fault to report.
            let cutOff = c.health == .noLeader && s.answeringLeader.map { $0.id != m.id } == true
            guard c.health == .slowDisk || c.health == .failing || cutOff else { return nil }
            var message =
                "member \(m.displayName) answers but failed /health on \(m.consecutiveUnhealthy) consecutive observations (\(c.health.rawValue)): \(c.reason ?? "no verdict")"
            if cutOff, let leader = s.answeringLeader {
                message += "; \(leader.name ?? leader.id.hex) leads the others, so \(m.displayName) is cut off from them"
            }
            return violation(on: m.entity, message, excerpt: MemberExcerpt.of(m, in: s))
        }
    }
}
