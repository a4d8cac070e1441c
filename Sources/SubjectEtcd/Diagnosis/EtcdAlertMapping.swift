import OperatorCore

/// Which etcd member an Alertmanager alert is about: its `instance` label is the scraped address, a member's
/// client URL (where etcd serves `/metrics` by default) or one of its peer URLs. The member list comes from
/// the latest snapshot.
enum EtcdAlertMapping {
    static func entity(labels: [String: String], in snapshot: EtcdSnapshot?) -> Entity {
        guard let snapshot else { return .cluster }
        let member = snapshot.members.first { AlertPlacement.instance(labels, isOneOf: [$0.clientURL] + $0.peerURLs) }
        return member?.entity ?? .cluster
    }

    /// An alert on a member (`up == 0`, `EtcdMemberDown`) is explained by what Operator found on it, the
    /// member being out of service first.
    static func links(among violations: [Violation]) -> [CausalLink] {
        AlertPlacement.sameEntityLinks(
            among: violations,
            preferred: ["member-down", "member-unresponsive", "member-removed", "member-unhealthy", "alarm-active", "fsync-slow"])
    }
}
