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
    /// pd-leader-switch: the leader loses its lease this often, and the next leader is elected this long
    /// after: the old leader resigns and a live member campaigns at once, far quicker than the election
    /// after a crash (requests in the gap fail as they do at any leader change).
    static let pdLeaderSwitchInterval = SimSpan.seconds(20)
    static let pdLeaderSwitchElection = SimSpan.milliseconds(500)
    /// Under network-lag, store heartbeats reach PD this late (still under the 20 s disconnect).
    static let laggingHeartbeatDelay = SimSpan.seconds(7)
    /// Slow score climbs from 1 to 100 (and falls back after the fault is lifted) over this span.
    static let slowScoreRamp = SimSpan.seconds(30)
    /// slow-store: inspections time out from the start, so the score reaches 100 within this span and
    /// PD evicts the store's leaders then.
    static let slowStoreRamp = SimSpan.seconds(10)
    /// too-many-regions: the split storm adds this many regions to the store, linearly over the ramp
    /// (24000 on top of the layout's share puts it past the 20000 of the inspection rule).
    static let splitStormRegions = 24_000
    static let splitStormRamp = SimSpan.seconds(30)
    /// too-many-regions: raftstore cores the surplus regions' ticks and heartbeats take (the pool is the
    /// two `raftstore_1_*` threads, so this puts it near 90 %), and how much longer requests wait.
    static let splitStormRaftstoreCores = 1.75
    static let splitStormLatencyFactor = 1.4
    /// too-many-regions: median propose wait on the busy raftstore (0.2 ms when healthy).
    static let splitStormProposeWaitSeconds = 0.05
    /// disk-full: available space starts at 15 % of capacity and falls to 1 % over this span.
    static let diskFullRamp = SimSpan.seconds(600)
    /// disk-full: below this share of capacity TiKV rejects writes (`err_disk_full`).
    static let diskFullRejectRatio = 0.05
    /// write-stall: seconds RocksDB holds each write (the official dashboards show stalls of seconds,
    /// tikv-at-scale.md §5 pattern 4) and the share of writes the scheduler rejects as ServerIsBusy.
    static let writeStallDelaySeconds = 1.5
    static let writeStallBusyShare = 0.3
    /// write-stall: `tikv_engine_write_stall{db="kv"}` percentiles in microseconds, as RocksDB's
    /// STALL_MICROS histogram reports them.
    static let writeStallMicros: [(type: String, value: Double)] = [
        ("write_stall_average", 1_400_000), ("write_stall_max", 4_100_000), ("write_stall_median", 1_200_000),
        ("write_stall_percentile95", 2_600_000), ("write_stall_percentile99", 3_500_000),
        ("write_stall_standard_deviation", 700_000),
    ]
    /// restart-loop: the first OOM kill comes this long after the fault (memory is already high), then the
    /// process stays dead long enough for PD to call it Disconnected (> 20 s without a heartbeat) and
    /// runs this long before the next kill.
    static let restartLoopFirstKill = SimSpan.seconds(5)
    static let restartLoopDowntime = SimSpan.seconds(35)
    static let restartLoopUptime = SimSpan.seconds(40)
    /// TiKV observes `tikv_raftstore_log_lag` on each leader every `raft-log-gc-tick-interval`.
    static let logLagObserveInterval = 3.0
    /// TiKV region heartbeat (`pd-heartbeat-tick-interval`).
    static let regionHeartbeatInterval = 60.0
    /// CPU cores TiKV reports as its quota (`tikv_server_cpu_cores_quota`).
    static let cpuCoresQuota = 4.0
    /// Memory TiKV reports as its quota (`tikv_server_memory_quota_bytes`, 16 GiB).
    static let memoryQuotaBytes = 17_179_869_184.0
    /// At most this many sample lines per store for one event that touches many regions
    /// (a real TiKV logs one line per region; at a million regions that is a flood).
    static let sampleLinesPerEvent = 12
}
