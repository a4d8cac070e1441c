import OperatorCore

/// The words that tie a down member to leadership, so a ticket about a killed leader says so.
enum LeaderNote {
    static func about(_ member: EtcdMemberState, in s: EtcdSnapshot) -> String? {
        if let leader = s.leader, leader.id == member.id {
            return "it is the leader the other members still follow\(leader.term.map { " (term \($0))" } ?? "")"
        }
        if let previous = s.previousLeader, previous.id == member.id {
            var text = "it was the leader\(previous.term.map { " until term \($0)" } ?? "")"
            if let now = s.leader {
                text += "; \(now.name ?? now.id.hex) leads now\(now.term.map { " (term \($0))" } ?? "")"
            } else {
                text += "; no leader since"
            }
            return text
        }
        return nil
    }

    static func wasLeader(_ member: EtcdMemberState, in s: EtcdSnapshot) -> Bool {
        s.leader?.id == member.id || s.previousLeader?.id == member.id
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
