/// The body Alertmanager's webhook receiver POSTs (payload version 4), reduced to what the detection
/// benchmark reads. Shape as observed from Alertmanager 0.25: etcd-prometheus-observed.md §B "Webhook POST".
/// Keys are Alertmanager's own camelCase; this type only decodes.
struct AlertmanagerWebhook: Decodable, Sendable {
    /// `firing` or `resolved`, for the group as a whole.
    var status: String
    var receiver: String?
    var groupKey: String?
    var alerts: [Alert]

    struct Alert: Decodable, Sendable {
        /// `firing` or `resolved`, for this alert.
        var status: String
        var labels: [String: String]
        var startsAt: String?
        var endsAt: String?

        var alertname: String? { labels["alertname"] }
        var instance: String? { labels["instance"] }
        /// Operator's own alerts (`OperatorIncident`) name the incident's root here, not an instance.
        var rootEntity: String? { labels["root_entity"] }
    }
}
