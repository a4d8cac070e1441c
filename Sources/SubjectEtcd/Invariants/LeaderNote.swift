import OperatorCore

/// The words that tie a down member to leadership, so a ticket about a killed leader says so.
enum LeaderNote {
    static func about(_ member: EtcdMemberState, in s: EtcdSnapshot) -> String? {
        if let leader = s.leader, leader.id == member.id {
            return "it is the leader the other members still follow\(leader.term.map { " (term \($0))" } ?? "")"
        }
        if let previous = s.previousLeader, ledUntilItFailed(member, previous) {
            var text = "it was the leader\(previous.term.map { " until term \($0)" } ?? "")"
            // Only a leader that answers itself is named: followers keep naming a dead one for a while.
            if let now = s.answeringLeader, now.id != member.id {
                text += "; \(now.name ?? now.id.hex) leads now\(now.term.map { " (term \($0))" } ?? "")"
            } else if s.leader == nil {
                text += "; no leader since"
            }
            return text
        }
        return nil
    }

    static func wasLeader(_ member: EtcdMemberState, in s: EtcdSnapshot) -> Bool {
        if s.leader?.id == member.id { return true }
        guard let previous = s.previousLeader else { return false }
        return ledUntilItFailed(member, previous)
    }

    /// The previous leader lost leadership when (or after) this member went down, not in some earlier
    /// episode: a member killed today is not "the leader" because it led an hour ago.
    private static func ledUntilItFailed(_ member: EtcdMemberState, _ previous: EtcdLeaderView) -> Bool {
        guard previous.id == member.id else { return false }
        guard let down = member.downSince, let until = previous.until else { return true }
        return until >= down
    }
}

/// Whether a member takes part in consensus as far as this observation can tell: it answers, and it has not
/// failed `/health` for `unhealthyAfter` observations in a row (one failed probe during an election does
/// not count, §A: survivors answer 503 for about a second while a new leader is elected).
enum ServingMembers {
    static func isServing(_ m: EtcdMemberState, unhealthyAfter: Int) -> Bool {
        m.reachable && !(m.healthy != true && m.consecutiveUnhealthy >= unhealthyAfter)
    }
}
