/// The configuration files of the baseline alerting stack, as text: Prometheus scraping the etcd members
/// every second with an `up == 0` rule held for 0 s, and Alertmanager grouping by alert and instance with a
/// 1 s group wait and a webhook to the benchmark's receiver. The settings are the ones measured in
/// etcd-prometheus-observed.md §B, so the comparison with Operator's 1 s tick is like for like.
struct AlertingStackConfig: Sendable {
    static let job = "etcd"
    static let alertName = "EtcdMemberDown"
    static let scrapeInterval = "1s"
    static let scrapeTimeout = "900ms"
    static let evaluationInterval = "1s"
    static let groupWait = "1s"
    static let groupInterval = "5s"
    /// Long, so a firing alert is never re-sent while a kill is measured.
    static let repeatInterval = "4h"

    /// `host:port` of each etcd member's client URL (Prometheus's `instance` label).
    var targets: [String]
    var rulesFile: String
    var alertmanagerAddress: String
    var webhookURL: String
    /// A file holding the bearer token the webhook needs (`operator serve`'s intake); nil sends none.
    var webhookBearerTokenFile: String? = nil

    var prometheusYAML: String {
        """
        global:
          scrape_interval: \(Self.scrapeInterval)
          scrape_timeout: \(Self.scrapeTimeout)
          evaluation_interval: \(Self.evaluationInterval)
        rule_files:
          - \(quoted(rulesFile))
        alerting:
          alertmanagers:
            - static_configs:
                - targets: [\(quoted(alertmanagerAddress))]
        scrape_configs:
          - job_name: \(Self.job)
            static_configs:
              - targets: [\(targets.map(quoted).joined(separator: ", "))]

        """
    }

    var rulesYAML: String {
        """
        groups:
          - name: \(Self.job)
            rules:
              - alert: \(Self.alertName)
                expr: up{job="\(Self.job)"} == 0
                for: 0s
                labels:
                  severity: critical
                annotations:
                  summary: "etcd member {{ $labels.instance }} down"

        """
    }

    var alertmanagerYAML: String {
        """
        route:
          receiver: bench
          # root_entity: Operator's own alerts (OperatorIncident) have no instance; one group per incident root
          group_by: [alertname, instance, root_entity]
          group_wait: \(Self.groupWait)
          group_interval: \(Self.groupInterval)
          repeat_interval: \(Self.repeatInterval)
        receivers:
          - name: bench
            webhook_configs:
              - url: \(quoted(webhookURL))
                send_resolved: true\(webhookAuthorization)

        """
    }

    private var webhookAuthorization: String {
        guard let webhookBearerTokenFile else { return "" }
        return """

                    http_config:
                      authorization:
                        type: Bearer
                        credentials_file: \(quoted(webhookBearerTokenFile))
            """
    }

    /// A YAML double-quoted scalar (paths in temp directories are plain, but never trust that).
    private func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
