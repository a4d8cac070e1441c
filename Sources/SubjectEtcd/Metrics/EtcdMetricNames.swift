/// The etcd 3.4 metric families Operator reads (etcd-prometheus-observed.md §A "Metrics").
enum EtcdMetricNames {
    static let hasLeader = "etcd_server_has_leader"
    static let isLeader = "etcd_server_is_leader"
    static let leaderChanges = "etcd_server_leader_changes_seen_total"
    static let proposalsFailed = "etcd_server_proposals_failed_total"
    static let proposalsPending = "etcd_server_proposals_pending"
    static let proposalsCommitted = "etcd_server_proposals_committed_total"
    static let proposalsApplied = "etcd_server_proposals_applied_total"
    static let quotaBackendBytes = "etcd_server_quota_backend_bytes"
    static let slowApply = "etcd_server_slow_apply_total"
    static let heartbeatSendFailures = "etcd_server_heartbeat_send_failures_total"
    static let dbTotalSize = "etcd_mvcc_db_total_size_in_bytes"
    /// Histograms (family names, without `_bucket`).
    static let walFsync = "etcd_disk_wal_fsync_duration_seconds"
    static let backendCommit = "etcd_disk_backend_commit_duration_seconds"
    /// Label `To` is the peer's hex id.
    static let peerRoundTrip = "etcd_network_peer_round_trip_time_seconds"
    /// Labels `Local` and `Remote` are hex ids; 1 while the stream to Remote is up.
    static let activePeers = "etcd_network_active_peers"
}
