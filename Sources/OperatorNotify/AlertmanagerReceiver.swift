import Foundation
import OperatorCore

/// Posts incidents to Alertmanager's v2 API (`POST {url}/api/v2/alerts`) as `OperatorIncident` alerts, so
/// the users' own routes, silences and inhibitions deliver them. Open incidents are posted again every
/// `refreshInterval` (Alertmanager resolves an alert not re-posted within its `resolve_timeout`, 5m by
/// default); a resolved one is posted with `endsAt`.
public struct AlertmanagerReceiver: NotificationReceiver {
    public let name: String
    public let redactedTarget: String
    public let refreshInterval: Duration?
    let post: ReceiverPost

    /// `url` is Alertmanager's base (`http://alertmanager:9093`), without userinfo (see `HTTPCredentials`).
    public init(name: String, url: String, timeout: Duration = .seconds(10), refreshInterval: Duration = .seconds(60)) {
        self.name = name
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.redactedTarget = NotificationURLText.redacted(base)
        self.refreshInterval = refreshInterval
        self.post = ReceiverPost(receiver: name, url: base + "/api/v2/alerts", redactedTarget: redactedTarget, timeout: timeout)
    }

    public func deliver(_ payload: NotificationPayload) async throws {
        // The incident as it is now decides: a late `opened` row of an incident resolved since posts it resolved.
        let resolved = payload.notification.event == .resolved || payload.incident.status == .resolved
        try await send(AlertmanagerAlert.alerts(for: payload, resolved: resolved, now: Date()))
    }

    public func refresh(_ openIncidents: [NotificationPayload]) async throws {
        let now = Date()
        try await send(openIncidents.flatMap { AlertmanagerAlert.alerts(for: $0, resolved: false, now: now) })
    }

    private func send(_ alerts: [AlertmanagerAlert]) async throws {
        guard !alerts.isEmpty else { return }
        try await post.post(try JSONEncoder.operatorEncoder.encode(alerts))
    }
}
