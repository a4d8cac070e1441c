import Metrics

/// The operator's own health, through swift-metrics: the backend is chosen at the composition root.
struct MonitorMetrics: Sendable {
    let ticks: Counter
    let tickDuration: Metrics.Timer
    let openTickets: Gauge
    let violations: Gauge
    let observationFailures: Counter
    let storeFailures: Counter

    init(subject: String) {
        let dims = [("subject", subject)]
        ticks = Counter(label: "operator_ticks_total", dimensions: dims)
        tickDuration = Metrics.Timer(label: "operator_tick_duration_seconds", dimensions: dims, preferredDisplayUnit: .seconds)
        openTickets = Gauge(label: "operator_open_tickets", dimensions: dims)
        violations = Gauge(label: "operator_violations", dimensions: dims)
        observationFailures = Counter(label: "operator_observation_failures_total", dimensions: dims)
        storeFailures = Counter(label: "operator_store_failures_total", dimensions: dims)
    }
}
