/// Timings of the simulated cluster, in PD time. Sources are tikv-interfaces.md sections.
enum Physics {
    /// TiKV `pd-store-heartbeat-tick-interval` (§1.2).
    static let storeHeartbeatInterval = SimSpan.seconds(10)
    /// PD `storeDisconnectDuration` (§1.2).
    static let storeDisconnectAfter = SimSpan.seconds(20)
    /// PD `storeUnhealthyDuration`, only counted in `pd_cluster_status` (§1.2).
    static let storeUnhealthyAfter = SimSpan.seconds(600)
    /// TiKV `raft-base-tick-interval` 1s × `raft-election-timeout-ticks` 10 (§4 `/config`): a
    /// dead leader's regions elect a new leader on a survivor after this long.
    static let raftElectionTimeout = SimSpan.seconds(10)
    /// A dead peer falls behind the leader's log and is reported pending after this long
    /// (approximation: real TiKV reports it once its match index lags the truncated index).
    static let pendingPeerAfter = SimSpan.seconds(30)
    /// After PD declares a store Down, its replica checker removes the store's peers this long later
    /// (approximation of patrol and operator scheduling).
    static let peerRemovalDelay = SimSpan.seconds(5)
    /// A restarted store's peers catch up (log or snapshot) for this long, pending meanwhile; then
    /// balance-leader moves its leaders back.
    static let peerCatchUp = SimSpan.seconds(15)
    /// PD leader lease (`lease = 3`): followers keep forwarding to a dead leader this long.
    static let pdLeaderLease = SimSpan.seconds(3)
    /// A new PD leader is elected this long after the old one stops (lease + etcd election).
    static let pdElectionDelay = SimSpan.seconds(6)
    /// Under network-lag, store heartbeats reach PD this late (still under the 20 s disconnect).
    static let laggingHeartbeatDelay = SimSpan.seconds(7)
    /// Slow score climbs from 1 to 100 (and falls back after the fault is lifted) over this span.
    static let slowScoreRamp = SimSpan.seconds(30)
    /// disk-full: available space starts at 15 % of capacity and falls to 1 % over this span.
    static let diskFullRamp = SimSpan.seconds(600)
    /// disk-full: below this share of capacity TiKV rejects writes (`err_disk_full`).
    static let diskFullRejectRatio = 0.05
    /// TiKV observes `tikv_raftstore_log_lag` on each leader every `raft-log-gc-tick-interval`.
    static let logLagObserveInterval = 3.0
    /// TiKV region heartbeat (`pd-heartbeat-tick-interval`).
    static let regionHeartbeatInterval = 60.0
    /// CPU cores TiKV reports as its quota (`tikv_server_cpu_cores_quota`).
    static let cpuCoresQuota = 4.0
    /// At most this many sample lines per store for one event that touches many regions
    /// (a real TiKV logs one line per region; at a million regions that is a flood).
    static let sampleLinesPerEvent = 12
}
