import Foundation
import Logging
import OperatorCore
import OperatorNotify

/// Operator's notification path in the detection benchmark, as production runs it: the monitor's tick
/// writes the incident and its outbox row in one transaction, the delivery service posts it to the same
/// Alertmanager the baseline uses (v2 API, `OperatorIncident`), and Alertmanager's webhook brings it to
/// the benchmark's receiver. Kill → that webhook is comparable with Prometheus + Alertmanager's
/// kill → webhook: same Alertmanager, same route, same receiver.
enum NotificationPath {
    static let receiverName = "bench-alertmanager"
    /// How often the delivery service looks for due rows: its share of the latency is at most this.
    static let pollInterval: Duration = .milliseconds(100)

    static func service(store: SQLiteTicketStore, alertmanagerURL: String, logger: Logger) async throws -> NotificationDeliveryService {
        try await store.registerNotificationRoutes([
            NotificationRoute(receiver: receiverName, events: [.opened, .reopened, .resolved])
        ])
        return NotificationDeliveryService(
            store: store, receivers: [AlertmanagerReceiver(name: receiverName, url: alertmanagerURL)],
            configuration: .init(pollInterval: pollInterval, backoff: DeliveryBackoff(base: .milliseconds(200), cap: .seconds(2))),
            logger: logger)
    }
}

extension DetectionReport {
    /// Kill → a notification at the receiver behind Alertmanager, both systems through the same Alertmanager.
    var notificationTable: BenchTable {
        let o = LatencySummary(measured: kills.map(\.operatorNotifiedSeconds))
        let a = alertmanagerSummary
        func row(_ name: String, _ s: LatencySummary) -> [String] {
            [name, "\(s.count)", "\(s.timeouts)", BenchFormat.seconds(s.p50), BenchFormat.seconds(s.p95),
             BenchFormat.seconds(s.min), BenchFormat.seconds(s.max), BenchFormat.seconds(s.mean)]
        }
        return BenchTable(
            title: "Kill → notification at a receiver behind Alertmanager, same kills",
            columns: ["system", "N", "timeouts", "p50 s", "p95 s", "min s", "max s", "mean s"],
            rows: [
                row("Operator: member-down → outbox → Alertmanager → webhook", o),
                row("Prometheus + Alertmanager: up == 0 → Alertmanager → webhook", a),
                ["ratio Prometheus+AM / Operator", "", "", BenchFormat.ratio(a.p50, o.p50), BenchFormat.ratio(a.p95, o.p95),
                 BenchFormat.ratio(a.min, o.min), BenchFormat.ratio(a.max, o.max), BenchFormat.ratio(a.mean, o.mean)],
            ],
            notes: [
                "Operator's path: the tick opens the incident and writes its outbox row in one transaction; the delivery service (polling every \(DurationText.format(NotificationPath.pollInterval))) posts `OperatorIncident` to Alertmanager's /api/v2/alerts; Alertmanager notifies the same webhook after group_wait (\(configuration.groupWait)), grouped by root_entity",
                "both timed from the kill to the webhook POST's arrival in this process",
            ])
    }
}
