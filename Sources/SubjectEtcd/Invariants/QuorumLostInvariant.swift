import OperatorCore

/// `quorum-lost`: a majority of the voting members is serving. Serving means reachable and not failing
/// `/health` persistently (see ``ServingMembers``); learners do not vote and are not counted.
public struct QuorumLostInvariant: Invariant {
    public let id = "quorum-lost"
    public let severity = Severity.critical
    public let summary = "a majority of the voting members is reachable and healthy"
    public var unhealthyAfter: Int

    public init(unhealthyAfter: Int = 3) { self.unhealthyAfter = unhealthyAfter }

    public func evaluate(_ s: EtcdSnapshot) -> [Violation] {
        let voting = s.votingMembers
        guard !voting.isEmpty else { return [] }
        let serving = voting.filter { ServingMembers.isServing($0, unhealthyAfter: unhealthyAfter) }
        guard serving.count < s.quorum else { return [] }
        let out = voting.filter { !ServingMembers.isServing($0, unhealthyAfter: unhealthyAfter) }
        let down = out.map { "\($0.displayName) (\($0.reachable ? "unhealthy" : "unreachable"))" }
        let message =
            "quorum lost: \(serving.count) of \(voting.count) voting members serving"
            + (serving.isEmpty ? "" : " (\(serving.map(\.displayName).joined(separator: ", ")))")
            + ", a majority needs \(s.quorum); not serving: \(down.joined(separator: ", "))"
        return [
            violation(
                on: .cluster, message,
                excerpt: [
                    "voting_members": .number(Double(voting.count)), "serving": .number(Double(serving.count)),
                    "quorum": .number(Double(s.quorum)),
                    "not_serving": .array(out.map { .string($0.displayName) }),
                ])
        ]
    }
}
