import OperatorCore

/// `member-removed`: the membership holds steady. A member an earlier member list named and this one does
/// not was removed (`etcdctl member remove`): the cluster is smaller and tolerates fewer failures. Reported
/// for the removal window (`removed_window`), then forgotten.
public struct MemberRemovedInvariant: Invariant {
    public let id = "member-removed"
    public let severity = Severity.warning
    public let summary = "no member disappears from the member list"

    public init() {}

    public func evaluate(_ s: EtcdSnapshot) -> [Violation] {
        s.removedMembers.map { r in
            let message =
                "member \(r.displayName) (\(r.id.hex)) is gone from the member list (last listed \(Timestamp.format(r.lastListed))); the cluster now has \(s.votingMembers.count) voting member(s), quorum \(s.quorum)"
            return violation(
                on: r.entity, message,
                excerpt: [
                    "member": .string(r.displayName), "id": .string(r.id.hex), "last_listed": .string(Timestamp.format(r.lastListed)),
                    "voting_members": .number(Double(s.votingMembers.count)),
                ])
        }
    }
}
