import OperatorCore

/// `quorum-lost`: the cluster can still serve linearizable requests. Fires only when both hold, for `after`
/// consecutive observations: no answering member reports a leader, and a linearizable read (which needs a
/// leader confirmed by a majority) failed on every member that answered, or no member answered at all. A
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
        // A stale leader (one followers still name but that does not answer) counts as none only once the
        // election timeout has passed and no member names any leader, for `after` observations.
        guard !voting.isEmpty, s.leader == nil, s.leaderlessObservations >= after else { return [] }
        if let read = s.linearizableRead, read.succeeded { return [] }
        let answering = voting.filter(\.reachable)
        let out = voting.filter { !$0.reachable }
        let readText =
            s.linearizableRead.map { r in
                "a linearizable read failed (\(r.answers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")))"
            } ?? "no member answered a linearizable read"
        let message =
            "quorum lost: no member reports a leader for \(s.leaderlessObservations) consecutive observations and \(readText); \(answering.count) of \(voting.count) voting members answer"
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
