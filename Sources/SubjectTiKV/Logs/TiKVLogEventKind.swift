/// The TiKV/PD log event catalogue: what `TiKVLogParser` recognises, by stable kind name.
///
/// Kind names are part of the output (`operator logs parse --kind`, diagnosis rules, stored contexts):
/// never rename one. Message texts come from tikv-interfaces.md §3.2–3.5; the README in this folder
/// lists every message each kind matches.
public enum TiKVLogEventKind: String, CaseIterable, Sendable, Codable {
    // Leader elections (§3.2).
    case becameLeader = "became-leader"
    case becameFollower = "became-follower"
    case becameCandidate = "became-candidate"
    case becamePreCandidate = "became-pre-candidate"
    case electionStarted = "election-started"
    case leaderTransfer = "leader-transfer"
    case leaderMissing = "leader-missing"

    // Snapshots (§3.3): leader side generates and sends, follower side receives and applies.
    case snapshotRequested = "snapshot-requested"
    case snapshotGenerateStarted = "snapshot-generate-started"
    case snapshotScanned = "snapshot-scanned"
    case snapshotSendStarted = "snapshot-send-started"
    case snapshotSent = "snapshot-sent"
    case snapshotSendFailed = "snapshot-send-failed"
    case snapshotStatusReported = "snapshot-status-reported"
    case snapshotFileSaved = "snapshot-file-saved"
    case snapshotReceived = "snapshot-received"
    case snapshotReceiveFailed = "snapshot-receive-failed"
    case snapshotRestored = "snapshot-restored"
    case snapshotApplyStarted = "snapshot-apply-started"
    case snapshotApplied = "snapshot-applied"
    case snapshotPersisted = "snapshot-persisted"
    case snapshotApplyFailed = "snapshot-apply-failed"

    // Slow operations and busy peers (§3.4).
    case slowOperation = "slow-operation"
    case slowQuery = "slow-query"
    case storeSlowScoreForced = "store-slow-score-forced"
    case peerBusyApplying = "peer-busy-applying"

    // Heartbeats and PD connectivity, TiKV side (§3.5).
    case storeHeartbeatFailed = "store-heartbeat-failed"
    case regionHeartbeatFailed = "region-heartbeat-failed"
    case pdRequestFailed = "pd-request-failed"
    case pdConnectFailed = "pd-connect-failed"
    case pdReconnectFailed = "pd-reconnect-failed"
    case pdUnresponsive = "pd-unresponsive"
    case pdEndpointsInvalid = "pd-endpoints-invalid"
    case pdReconnecting = "pd-reconnecting"
    case pdConnecting = "pd-connecting"
    case pdConnected = "pd-connected"
    case pdClientUpdated = "pd-client-updated"

    // PD's own lines (§3.5, PD side).
    case pdLeaderCampaign = "pd-leader-campaign"
    case pdLeaderElected = "pd-leader-elected"
    case pdLeaderReady = "pd-leader-ready"
    case pdLeaderChanged = "pd-leader-changed"
    case pdLeaderSteppedDown = "pd-leader-stepped-down"
    case storeOffline = "store-offline"
    case storeTombstone = "store-tombstone"
    case storeUp = "store-up"
    case storeServing = "store-serving"
    case slowStoreEvicting = "slow-store-evicting"

    // Process start (`components/server/src/lib.rs` log_tikv_info): a restart shows as this banner again.
    case processStarted = "process-started"
}
