import OperatorCore

/// `leader-changed`: leadership stays where it is. Informational: fires while the current leader has led
/// for less than `recentSeconds` after Operator saw another member lead, so every change is on record and
/// diagnosed — a deliberate transfer (`etcdctl move-leader`: the previous leader still answers, healthy) as
/// well as an election after the leader died or froze (then linked to that member's outage).
public struct LeaderChangedInvariant: Invariant {
    public let id = "leader-changed"
    public let severity = Severity.info
    public let summary = "the leader has not changed recently"
    public var recentSeconds: Double

    public init(recentSeconds: Double = 60) { self.recentSeconds = recentSeconds }

    public func evaluate(_ s: EtcdSnapshot) -> [Violation] {
        guard let leader = s.answeringLeader, let previous = s.previousLeader, previous.id != leader.id,
            let since = leader.since, s.observedAt.timeIntervalSince(since) <= recentSeconds
        else { return [] }
        let previousName = previous.name ?? previous.id.hex
        var message = "leadership moved from \(previousName)\(previous.term.map { " (term \($0))" } ?? "") to \(leader.name ?? leader.id.hex)\(leader.term.map { " (term \($0))" } ?? "") at \(Timestamp.format(since))"
        var excerpt: [String: JSONValue] = [
            "leader": .string(leader.name ?? leader.id.hex), "previous_leader": .string(previousName),
            "since": .string(Timestamp.format(since)),
        ]
        // A hand-over raises the term by one; elections after timeouts may raise it by many.
        if let t = leader.term { excerpt["term"] = .number(Double(t)) }
        if let t = previous.term { excerpt["previous_term"] = .number(Double(t)) }
        if let m = s.member(previous.id) {
            let c = s.condition(of: m)
            message += "; \(previousName) now: \(c.reachability.rawValue), \(c.health.rawValue)"
            excerpt["previous_leader_state"] = .string(c.health.rawValue)
        } else if s.removedMembers.contains(where: { $0.id == previous.id }) {
            message += "; \(previousName) was removed from the member list"
            excerpt["previous_leader_state"] = .string("removed")
        }
        return [violation(on: .cluster, message, excerpt: .object(excerpt))]
    }
}
