import Foundation
import OperatorCore

/// One element of Alertmanager's `POST /api/v2/alerts` body (`postableAlert` in its api/v2/openapi.yaml):
/// `labels` (required; the alert's identity), `annotations`, `startsAt`, `endsAt`, `generatorURL`.
/// An alert without `endsAt` fires until Alertmanager's `resolve_timeout` passes without a new post; one
/// with an `endsAt` in the past is resolved.
struct AlertmanagerAlert: Encodable, Equatable {
    var labels: [String: String]
    var annotations: [String: String]
    var startsAt: Date
    var endsAt: Date?
    var generatorURL: String?

    /// The alert's name for every incident Operator posts.
    static let alertName = "OperatorIncident"
    /// The `category` label before a diagnosis names one.
    static let undiagnosed = "undiagnosed"

    /// The alerts that say where `payload`'s incident stands now. Labels are an alert's identity, so they must
    /// not change while the incident lives: `severity` is the root ticket's (the incident's own falls as its
    /// members resolve, and a resolve posted under another severity would leave the firing alert firing).
    /// `category` does change once, when the incident is diagnosed: the undiagnosed alert is then ended so it
    /// does not keep firing beside the diagnosed one.
    static func alerts(for payload: NotificationPayload, resolved: Bool, now: Date) -> [AlertmanagerAlert] {
        let incident = payload.incident
        let category = incident.diagnosis?.rootCause.category ?? undiagnosed
        let endsAt: Date? = resolved ? (incident.resolvedAt ?? now) : nil
        let current = alert(payload, category: category, endsAt: endsAt)
        guard category != undiagnosed else { return [current] }
        return [alert(payload, category: undiagnosed, endsAt: endsAt ?? now), current]
    }

    private static func alert(_ payload: NotificationPayload, category: String, endsAt: Date?) -> AlertmanagerAlert {
        let incident = payload.incident
        var annotations = [
            "summary": incident.diagnosis?.summary ?? incident.title,
            "root_cause": incident.diagnosis.map { "\($0.rootCause.category) on \($0.rootCause.entity): \($0.rootCause.explanation)" }
                ?? "not diagnosed yet: \(incident.rootInvariant) on \(incident.rootEntity)",
        ]
        if let console = payload.consoleURL { annotations["console_url"] = console }
        return AlertmanagerAlert(
            labels: [
                "alertname": alertName, "cluster": incident.cluster, "subject": incident.subject,
                "root_invariant": incident.rootInvariant, "root_entity": incident.rootEntity.description,
                "category": category, "severity": (payload.rootSeverity ?? incident.severity).rawValue, "incident": String(incident.id),
            ],
            annotations: annotations, startsAt: startsAt(payload), endsAt: endsAt, generatorURL: payload.consoleURL)
    }

    /// When this firing period began: the incident's opening, or its reopening for a reopened one (a new
    /// period, as Prometheus starts a new alert after a resolve; an old start would also skip group_wait).
    private static func startsAt(_ payload: NotificationPayload) -> Date {
        payload.notification.event == .reopened ? max(payload.notification.createdAt, payload.incident.openedAt) : payload.incident.openedAt
    }
}
