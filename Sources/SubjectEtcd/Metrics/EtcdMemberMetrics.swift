/// What the metrics say about one member, as of the latest reading, with counters and histograms taken
/// over the rate window (`settings.window`). Window values are nil until two readings exist; a quantile
/// is NaN when nothing was observed in the window, as PromQL's `histogram_quantile` is.
public struct EtcdMemberMetrics: Sendable, Codable, Equatable {
    public var hasLeader: Bool?
    public var isLeader: Bool?
    public var proposalsPending: Double?
    public var proposalsCommittedTotal: Double?
    public var proposalsAppliedTotal: Double?
    public var dbTotalSizeBytes: Double?
    public var quotaBackendBytes: Double?
    /// Seconds the window values actually cover (less than the configured window right after start).
    public var windowSeconds: Double?
    public var leaderChangesInWindow: Double?
    public var proposalsFailedInWindow: Double?
    public var slowAppliesInWindow: Double?
    public var heartbeatSendFailuresInWindow: Double?
    public var walFsyncP99Seconds: Double?
    /// WAL fsyncs within the window: a p99 of a handful of fsyncs says little.
    public var walFsyncsInWindow: Double?
    public var backendCommitP99Seconds: Double?
    /// By peer hex id.
    public var peerRoundTripP99Seconds: [String: Double]
    /// By peer hex id: 1 while the stream to that peer is up, 0 when lost.
    public var activePeers: [String: Double]

    public init(
        hasLeader: Bool? = nil, isLeader: Bool? = nil, proposalsPending: Double? = nil,
        proposalsCommittedTotal: Double? = nil, proposalsAppliedTotal: Double? = nil, dbTotalSizeBytes: Double? = nil,
        quotaBackendBytes: Double? = nil, windowSeconds: Double? = nil, leaderChangesInWindow: Double? = nil,
        proposalsFailedInWindow: Double? = nil, slowAppliesInWindow: Double? = nil,
        heartbeatSendFailuresInWindow: Double? = nil, walFsyncP99Seconds: Double? = nil, walFsyncsInWindow: Double? = nil,
        backendCommitP99Seconds: Double? = nil, peerRoundTripP99Seconds: [String: Double] = [:],
        activePeers: [String: Double] = [:]
    ) {
        self.hasLeader = hasLeader
        self.isLeader = isLeader
        self.proposalsPending = proposalsPending
        self.proposalsCommittedTotal = proposalsCommittedTotal
        self.proposalsAppliedTotal = proposalsAppliedTotal
        self.dbTotalSizeBytes = dbTotalSizeBytes
        self.quotaBackendBytes = quotaBackendBytes
        self.windowSeconds = windowSeconds
        self.leaderChangesInWindow = leaderChangesInWindow
        self.proposalsFailedInWindow = proposalsFailedInWindow
        self.slowAppliesInWindow = slowAppliesInWindow
        self.heartbeatSendFailuresInWindow = heartbeatSendFailuresInWindow
        self.walFsyncP99Seconds = walFsyncP99Seconds
        self.walFsyncsInWindow = walFsyncsInWindow
        self.backendCommitP99Seconds = backendCommitP99Seconds
        self.peerRoundTripP99Seconds = peerRoundTripP99Seconds
        self.activePeers = activePeers
    }

    /// The slowest peer round trip (p99), if any peer was measured.
    public var worstPeerRoundTripP99Seconds: Double? {
        peerRoundTripP99Seconds.values.filter(\.isFinite).max()
    }

    enum CodingKeys: String, CodingKey {
        case hasLeader = "has_leader"
        case isLeader = "is_leader"
        case proposalsPending = "proposals_pending"
        case proposalsCommittedTotal = "proposals_committed_total"
        case proposalsAppliedTotal = "proposals_applied_total"
        case dbTotalSizeBytes = "db_total_size_bytes"
        case quotaBackendBytes = "quota_backend_bytes"
        case windowSeconds = "window_seconds"
        case leaderChangesInWindow = "leader_changes_in_window"
        case proposalsFailedInWindow = "proposals_failed_in_window"
        case slowAppliesInWindow = "slow_applies_in_window"
        case heartbeatSendFailuresInWindow = "heartbeat_send_failures_in_window"
        case walFsyncP99Seconds = "wal_fsync_p99_seconds"
        case walFsyncsInWindow = "wal_fsyncs_in_window"
        case backendCommitP99Seconds = "backend_commit_p99_seconds"
        case peerRoundTripP99Seconds = "peer_round_trip_p99_seconds"
        case activePeers = "active_peers"
    }

    // NaN (no observations in the window) is written as null: JSON has no NaN.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        func put(_ v: Double?, _ k: CodingKeys) throws {
            if let v, v.isFinite { try c.encode(v, forKey: k) } else { try c.encodeNil(forKey: k) }
        }
        try c.encode(hasLeader, forKey: .hasLeader)
        try c.encode(isLeader, forKey: .isLeader)
        try put(proposalsPending, .proposalsPending)
        try put(proposalsCommittedTotal, .proposalsCommittedTotal)
        try put(proposalsAppliedTotal, .proposalsAppliedTotal)
        try put(dbTotalSizeBytes, .dbTotalSizeBytes)
        try put(quotaBackendBytes, .quotaBackendBytes)
        try put(windowSeconds, .windowSeconds)
        try put(leaderChangesInWindow, .leaderChangesInWindow)
        try put(proposalsFailedInWindow, .proposalsFailedInWindow)
        try put(slowAppliesInWindow, .slowAppliesInWindow)
        try put(heartbeatSendFailuresInWindow, .heartbeatSendFailuresInWindow)
        try put(walFsyncP99Seconds, .walFsyncP99Seconds)
        try put(walFsyncsInWindow, .walFsyncsInWindow)
        try put(backendCommitP99Seconds, .backendCommitP99Seconds)
        try c.encode(peerRoundTripP99Seconds.filter { $0.value.isFinite }, forKey: .peerRoundTripP99Seconds)
        try c.encode(activePeers, forKey: .activePeers)
    }
}
