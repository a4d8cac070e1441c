import Metrics

/// The operator's own health, through swift-metrics: the backend is chosen at the composition root.
struct MonitorMetrics: Sendable {
    let ticks: Counter
    let tickDuration: Metrics.Timer
    let openTickets: Gauge
    let violations: Gauge
    let observationFailures: Counter
    /// Failed attempts to write a tick (each retry of a pending tick counts again).
    let storeFailures: Counter
    /// Ticks observed but not yet in the database, waiting to be retried in order.
    let pendingWrites: Gauge
    /// Unwritten ticks dropped because more than the pending limit piled up.
    let droppedWrites: Counter
    /// Unwritten ticks refused by the lease fence: another replica watched the cluster when they were observed.
    let fencedWrites: Counter
    /// Invariants without a verdict on the latest tick because a critical one was skipped or a source
    /// failed; 0 with full sight.
    let blindInvariants: Gauge

    init(subject: String, cluster: String = ClusterName.default, factory: (any MetricsFactory)? = nil) {
        // Several monitors in one process (one per cluster) each keep their own series.
        let dims = [("cluster", cluster), ("subject", subject)]
        let factory = factory ?? MetricsSystem.factory
        ticks = Counter(label: "operator_ticks_total", dimensions: dims, factory: factory)
        tickDuration = Metrics.Timer(
            label: "operator_tick_duration_seconds", dimensions: dims, preferredDisplayUnit: .seconds, factory: factory)
        openTickets = Gauge(label: "operator_open_tickets", dimensions: dims, factory: factory)
        violations = Gauge(label: "operator_violations", dimensions: dims, factory: factory)
        observationFailures = Counter(label: "operator_observation_failures_total", dimensions: dims, factory: factory)
        storeFailures = Counter(label: "operator_store_failures_total", dimensions: dims, factory: factory)
        pendingWrites = Gauge(label: "operator_pending_tick_writes", dimensions: dims, factory: factory)
        droppedWrites = Counter(label: "operator_dropped_tick_writes_total", dimensions: dims, factory: factory)
        fencedWrites = Counter(label: "operator_fenced_tick_writes_total", dimensions: dims, factory: factory)
        blindInvariants = Gauge(label: "operator_blind_invariants", dimensions: dims, factory: factory)
    }
}
