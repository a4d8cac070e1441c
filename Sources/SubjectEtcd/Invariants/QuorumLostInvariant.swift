import OperatorCore

/// `quorum-lost`: the cluster can still serve linearizable requests. Fires only when a linearizable read
/// (which needs a leader confirmed by a majority) failed on every member that answered, and either fewer
/// than a majority of voting members answer at all, or no member has named a leader for `after` consecutive
/// observations. Never while reads are served, whatever `/health` says. A
/// cluster whose members fail `/health` for another reason (an alarm, a slow disk) but still has a leader
/// and serves reads has not lost quorum.
public struct QuorumLostInvariant: Invariant {
    public let id = "quorum-lost"
    public let severity = Severity.critical
    public let summary = "a leader exists or linearizable reads are served"
    public var after: Int

    public init(after: Int = 2) { self.after = after }

    public func evaluate(_ s: EtcdSnapshot) -> [Violation] {
        let voting = s.votingMembers
        // With a majority answering, a leaderless observation may be an election in progress: wait until no
        // member names any leader for `after` observations. With only a minority answering no election can
        // succeed, and the failed read is the proof: followers keep naming a dead leader until their election
        // timeout, and a leader cut off from its majority keeps its title until CheckQuorum steps it down
        // (§A; README "What real etcd answered").
        let answering = voting.filter(\.reachable)
        guard !voting.isEmpty else { return [] }
        if answering.count >= s.quorum {
            guard s.leader == nil, s.leaderlessObservations >= after else { return [] }
        }
        if let read = s.linearizableRead, read.succeeded { return [] }
        let out = voting.filter { !$0.reachable }
        let readText =
            s.linearizableRead.map { r in
                "a linearizable read failed (\(r.answers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")))"
            } ?? "no member answered a linearizable read"
        let leaderText: String
        if let named = s.leader {
            leaderText =
                named.reachable
                ? "\(named.name ?? named.id.hex) still calls itself the leader but cannot confirm it with a majority"
                : "the members still name \(named.name ?? named.id.hex) as leader, which does not answer"
        } else {
            leaderText = "no member reports a leader for \(s.leaderlessObservations) consecutive observation(s)"
        }
        let message =
            "quorum lost: \(leaderText) and \(readText); \(answering.count) of \(voting.count) voting members answer"
            + (answering.isEmpty ? "" : " (\(answering.map(\.displayName).joined(separator: ", ")))")
            + ", a majority needs \(s.quorum)"
            + (out.isEmpty ? "" : "; not answering: \(out.map { "\($0.displayName) (\($0.reachability.rawValue))" }.joined(separator: ", "))")
        return [
            violation(
                on: .cluster, message,
                excerpt: [
                    "voting_members": .number(Double(voting.count)), "answering": .number(Double(answering.count)),
                    "quorum": .number(Double(s.quorum)), "linearizable_read": .bool(false),
                    "not_serving": .array(out.map { .string($0.displayName) }),
                ])
        ]
    }
}
