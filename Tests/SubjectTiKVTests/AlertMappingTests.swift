import Foundation
import OperatorCore
import Testing

@testable import SubjectTiKV

/// Alertmanager alerts mapped to TiKV nodes through PD's store and member lists: the official rules label by
/// `instance` (../shared/reference/tikv-interfaces.md 2.3): a store's status address (`TiKV_*`), a probed
/// address (`TiKV_server_is_down`, blackbox), a PD member's client address (`PD_*`).
@Suite("TiKV alert mapping")
struct TiKVAlertMappingTests {
    let knowledge = TiKVKnowledge()

    func alert(_ name: String, _ instance: String) -> [String: String] {
        ["alertname": name, "instance": instance, "group": "tikv", "level": "emergency"]
    }

    @Test("Status or peer address → store:N; PD client address → pd:NAME; unknown or no snapshot → cluster")
    func mapping() {
        let s = SnapshotBuilder.snapshot()
        #expect(knowledge.alertEntity(labels: alert("TiKV_server_is_down", "127.0.0.1:20162"), in: s) == Entity(kind: "store", id: "2"))
        #expect(knowledge.alertEntity(labels: alert("TiKV_write_stall", "127.0.0.1:20183"), in: s) == Entity(kind: "store", id: "3"))
        #expect(knowledge.alertEntity(labels: alert("TiKV_server_is_down", "http://127.0.0.1:20181"), in: s) == Entity(kind: "store", id: "1"))
        #expect(knowledge.alertEntity(labels: alert("PD_server_is_down", "127.0.0.1:12379"), in: s) == Entity(kind: "pd", id: "pd2"))
        #expect(knowledge.alertEntity(labels: alert("TiKV_server_is_down", "127.0.0.1:20169"), in: s) == .cluster)
        #expect(knowledge.alertEntity(labels: ["alertname": "PD_leader_change"], in: s) == .cluster)
        #expect(knowledge.alertEntity(labels: alert("TiKV_server_is_down", "127.0.0.1:20162"), in: nil) == .cluster)
    }

    @Test("store-down on store:2 explains TiKV_server_is_down on store:2, not on store:3")
    func links() throws {
        var stores = [SnapshotBuilder.store(1), SnapshotBuilder.store(2, state: "Disconnected", reachable: false), SnapshotBuilder.store(3)]
        stores[1].heartbeatAgeSeconds = 3600
        let s = SnapshotBuilder.snapshot(stores: stores)
        let violations = SnapshotBuilder.violations(s)
        let storeDown = try #require(violations.first { $0.invariant == "store-down" && $0.entity == Entity(kind: "store", id: "2") })
        let on2 = AlertTicket.violation(
            ReceivedAlert(status: .firing, labels: alert("TiKV_server_is_down", "127.0.0.1:20162"), fingerprint: "a"), on: Entity(kind: "store", id: "2"))
        let on3 = AlertTicket.violation(
            ReceivedAlert(status: .firing, labels: alert("TiKV_server_is_down", "127.0.0.1:20163"), fingerprint: "b"), on: Entity(kind: "store", id: "3"))
        let links = knowledge.causalLinks(among: violations + [on2, on3], in: s)
        #expect(links.first { $0.effect == on2.key }?.cause == storeDown.key, "\(links)")
        #expect(!links.contains { $0.effect == on3.key }, "store 3 is healthy: its alert explains itself")
    }
}
