import Metrics

/// Outbox rows per receiver and state on /metrics (`operator_notifications{receiver, status}`), read from
/// the database so they count every process's rows, plus attempts made by this process.
struct NotificationMetrics: Sendable {
    let factory: any MetricsFactory

    init(factory: (any MetricsFactory)? = nil) {
        self.factory = factory ?? MetricsSystem.factory
    }

    func publish(_ counts: [NotificationCounts]) {
        for c in counts {
            for (status, value) in [("pending", c.pending), ("failed", c.failing), ("sent", c.sent)] {
                Gauge(label: "operator_notifications", dimensions: [("receiver", c.receiver), ("status", status)], factory: factory)
                    .record(value)
            }
        }
    }

    func attempt(receiver: String, succeeded: Bool) {
        Counter(
            label: "operator_notification_attempts_total",
            dimensions: [("receiver", receiver), ("result", succeeded ? "sent" : "failed")], factory: factory
        ).increment()
    }
}
