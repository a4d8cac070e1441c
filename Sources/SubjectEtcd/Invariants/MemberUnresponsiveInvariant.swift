import OperatorCore

/// `member-unresponsive`: every member answers within the probe budget. A member whose probes all run out
/// of budget without being refused has a live socket and a process that does not serve it: frozen
/// (SIGSTOP), hung on its disk, or starved. It fires after `after` silent observations in a row (1 by
/// default; `unresponsive_after` debounces it on machines where members answer slowly).
public struct MemberUnresponsiveInvariant: Invariant {
    public let id = "member-unresponsive"
    public let severity = Severity.critical
    public let summary = "every member answers its client URL within the probe budget"
    public var after: Int

    public init(after: Int = 1) { self.after = after }

    public func evaluate(_ s: EtcdSnapshot) -> [Violation] {
        s.members.compactMap { m in
            guard m.reachability == .silent, m.consecutiveSilent >= after else { return nil }
            var message =
                "member \(m.displayName) (\(m.clientURL ?? "no client URL")) accepts connections but answered nothing within the probe budget on \(m.consecutiveSilent) consecutive observations (frozen or hung): \(m.unreachableReason ?? "no answer")"
            if let note = LeaderNote.about(m, in: s) { message += " — \(note)" }
            return violation(on: m.entity, message, excerpt: MemberExcerpt.of(m, in: s))
        }
    }
}
