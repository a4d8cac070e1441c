import OperatorCore

/// `pd-unhealthy`: a PD member fails PD's own health check (`/health`: answered `/ping` within 3 s), or the
/// PD cluster has no leader.
public struct PDUnhealthyInvariant: Invariant {
    public let id = "pd-unhealthy"
    public let severity = Severity.critical
    public let summary = "every PD member is healthy and PD has a leader"

    public init() {}

    public func unavailableReason(in snapshot: TiKVSnapshot) -> String? {
        if snapshot.pd.membersError != nil, snapshot.pd.healthError != nil {
            return "neither /members nor /health answered: \(snapshot.pd.membersError ?? "")"
        }
        return nil
    }

    public func failedSource(in snapshot: TiKVSnapshot) -> String? {
        guard let members = snapshot.pd.membersError, let health = snapshot.pd.healthError else { return nil }
        return "\(members); \(health)"
    }

    public func evaluate(_ snapshot: TiKVSnapshot) -> [Violation] {
        var out: [Violation] = []
        for member in snapshot.pd.members where member.healthy == false {
            let wasLeader = member.isLeader || snapshot.pd.previousLeader == member.name
            out.append(
                violation(
                    on: member.entity,
                    "PD member \(member.name) is unhealthy: it did not answer PD's health check"
                        + (member.isLeader ? " (it is the PD leader)" : "")
                        + (!member.isLeader && wasLeader ? " (it was the PD leader until recently)" : ""),
                    excerpt: [
                        "name": .string(member.name), "member_id": .string(member.memberID),
                        "client_urls": .array(member.clientURLs.map { .string($0) }), "healthy": false,
                        "is_leader": .bool(member.isLeader), "was_leader": .bool(wasLeader),
                        "current_leader": JSONValue(snapshot.pd.leader),
                    ]))
        }
        if snapshot.pd.membersError == nil, snapshot.pd.leader == nil {
            out.append(
                violation(
                    on: .cluster,
                    "PD has no leader"
                        + (snapshot.pd.previousLeader.map { "; the last leader seen was \($0)" } ?? ""),
                    excerpt: [
                        "leader": .null, "previous_leader": JSONValue(snapshot.pd.previousLeader),
                        "members": .array(snapshot.pd.members.map { .string($0.name) }),
                    ]))
        } else if let error = snapshot.pd.membersError, snapshot.pd.healthError == nil {
            // /members goes through the leader; /health still answering means a follower is up but the
            // leader path is broken.
            out.append(
                violation(
                    on: .cluster, "PD cannot report its leader: \(error)",
                    excerpt: ["members_error": .string(error)]))
        }
        return out
    }
}
