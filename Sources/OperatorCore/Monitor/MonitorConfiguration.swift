/// How the monitor loop paces itself and ages tickets.
public struct MonitorConfiguration: Sendable, Equatable {
    /// The configured cluster this monitor watches: stamped on its findings, heartbeats and metrics.
    public var cluster: String
    /// Time between tick starts.
    public var interval: Duration
    /// Budget for observing the cluster once; an observation over budget counts as a failure.
    public var tickTimeout: Duration
    public var policy: TicketPolicy
    /// Upper bound of the delay between ticks while the cluster cannot be observed.
    public var maxBackoff: Duration
    /// Consecutive blind ticks (a critical invariant without a verdict, or a failed data source; see
    /// `Evaluation.isBlind`) before an `observation-degraded` ticket opens. One blip is tolerated; an
    /// outage is not. Every blind tick logs a warning and notes the reason in its heartbeat regardless.
    public var degradedAfter: Int
    /// Ticks kept in memory while the database refuses writes (a full disk); past it the oldest are dropped.
    public var pendingWriteLimit: Int
    /// Whether the subject's liveness signals (if it offers any) start extra ticks.
    public var livenessSignals: Bool
    /// Least time from one tick's start to a signalled tick's start: a storm of signals costs at most one
    /// tick per gap, and never overlapping ticks (they run one after another on the same loop).
    public var signalTickGap: Duration

    public init(
        interval: Duration = .seconds(5), tickTimeout: Duration? = nil, policy: TicketPolicy = TicketPolicy(),
        maxBackoff: Duration = .seconds(60), degradedAfter: Int = 2, pendingWriteLimit: Int = 720,
        cluster: String = ClusterName.default, livenessSignals: Bool = true, signalTickGap: Duration = .milliseconds(100)
    ) {
        self.livenessSignals = livenessSignals
        self.signalTickGap = max(.zero, signalTickGap)
        self.cluster = cluster
        self.interval = interval
        // An observation may take longer than a short interval, but never forever.
        self.tickTimeout = tickTimeout ?? max(interval * 2, .seconds(10))
        self.policy = policy
        self.maxBackoff = max(maxBackoff, interval)
        self.degradedAfter = max(1, degradedAfter)
        self.pendingWriteLimit = max(1, pendingWriteLimit)
    }

    /// Delay before the next tick: the rest of the interval after a good tick; after failures, the interval
    /// doubled per consecutive failure up to `maxBackoff`, so a dead cluster is not hammered.
    public func delay(after tickDuration: Duration, consecutiveFailures: Int) -> Duration {
        if consecutiveFailures == 0 {
            return max(.zero, interval - tickDuration)
        }
        let factor = 1 << min(consecutiveFailures - 1, 16)
        return min(interval * factor, maxBackoff)
    }
}
