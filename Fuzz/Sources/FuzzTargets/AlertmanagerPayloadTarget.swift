import Foundation
import OperatorCore

/// Alertmanager webhook bodies through `AlertmanagerPayload.alerts`, what `operator serve`'s
/// `POST /api/v1/alerts/alertmanager` runs before it writes anything. An accepted payload must hold what
/// the store relies on: every alert named and fingerprinted within bounds, its excerpt encodable.
public enum AlertmanagerPayloadTarget {
    public static func run(_ input: Data) {
        guard let alerts = try? AlertmanagerPayload.alerts(from: input) else { return }
        for alert in alerts {
            precondition(!alert.alertname.isEmpty && alert.alertname.unicodeScalars.count <= AlertmanagerPayload.maxAlertname)
            precondition(!alert.fingerprint.isEmpty && alert.fingerprint.unicodeScalars.count <= AlertmanagerPayload.maxFingerprint)
            let violation = AlertTicket.violation(alert, on: .cluster)
            precondition(AlertTicket.isAlert(violation.invariant))
            _ = try? JSONEncoder.operatorEncoder.encode(violation.excerpt)
            _ = violation.message
        }
    }
}
