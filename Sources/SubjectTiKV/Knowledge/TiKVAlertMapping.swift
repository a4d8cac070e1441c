import OperatorCore

/// Which TiKV node an Alertmanager alert is about. The official rules label alerts by `instance`: a store's
/// status address (`TiKV_*` rules scrape it), its peer address (blackbox probes such as
/// `TiKV_server_is_down`), or a PD member's client address (`PD_*` rules). Stores come from PD's store list.
enum TiKVAlertMapping {
    static func entity(labels: [String: String], in snapshot: TiKVSnapshot?) -> Entity {
        guard let snapshot else { return .cluster }
        if let store = snapshot.stores.first(where: { AlertPlacement.instance(labels, isOneOf: [$0.statusAddress, $0.address]) }) {
            return store.entity
        }
        if let member = snapshot.pd.members.first(where: { AlertPlacement.instance(labels, isOneOf: $0.clientURLs) }) {
            return member.entity
        }
        return .cluster
    }

    /// An alert on a store or PD member is explained by what Operator found on the same node, the node
    /// being down first.
    static func links(among violations: [Violation]) -> [CausalLink] {
        AlertPlacement.sameEntityLinks(
            among: violations,
            preferred: ["restart-loop", "store-down", "store-isolated", "pd-unhealthy", "slow-store", "write-stall", "store-low-space"])
    }
}
