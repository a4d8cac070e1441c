import Foundation
import OperatorCore
import Testing

@testable import OperatorBench

/// The detection report's notification rows: kill → webhook through Alertmanager for Operator's outbox
/// path beside Prometheus + Alertmanager, from kills shaped as a run records them.
@Suite("Detection report: kill → notification")
struct NotificationLatencyTableTests {
    @Test func notificationRowsAndTheirRatio() throws {
        let at = Date(timeIntervalSince1970: 1_700_000_000)
        func kill(_ i: Int, notified: Double?, baseline: Double?) -> DetectionKill {
            DetectionKill(
                index: i, member: Entity(kind: "member", id: "e\(i)"), instance: "127.0.0.1:2379", wasLeader: false, killedAt: at,
                operatorSeconds: 0.5, operatorTicket: Int64(i), alertmanagerSeconds: baseline, operatorNotifiedSeconds: notified,
                recoverySeconds: 3, notes: [])
        }
        let report = DetectionReport(
            kills: [kill(1, notified: 1.5, baseline: 3.0), kill(2, notified: 1.0, baseline: 4.0), kill(3, notified: nil, baseline: 3.5)],
            configuration: .init(
                members: 3, etcdVersion: nil, operatorInterval: "1s", operatorInvariant: "member-down", killTimeout: "60s",
                alertGroupCooldown: "31s"),
            elapsedSeconds: 60)
        let table = report.notificationTable
        #expect(table.rows[0][1] == "2" && table.rows[0][2] == "1", "two measured, one timeout, never dropped")
        #expect(table.rows[1][1] == "3")
        #expect(table.rows[2][3] == BenchFormat.ratio(3.5, 1.0), "ratio of p50s (nearest rank): 3.5 s over 1.0 s")
        #expect(report.tables.map(\.title).contains(table.title))

        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder.operatorEncoder.encode(report)) as? [String: Any])
        #expect((json["operator_notified"] as? [String: Any])?["timeouts"] as? Int == 1)
        #expect((json["kills"] as? [[String: Any]])?[2]["operator_notified_seconds"] is NSNull)
        #expect(json["notified_ratio_p50"] as? Double == 3.5)
    }
}
