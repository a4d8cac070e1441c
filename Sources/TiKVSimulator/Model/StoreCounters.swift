/// The monotonic counters and histograms one TiKV process exports; they restart from zero when
/// the process restarts, as a real TiKV's do.
struct StoreCounters: Sendable {
    /// `tikv_grpc_msg_duration_seconds`: 50µs·2^k, 22 buckets (§2.1).
    static let grpcBuckets = HistogramAccumulator.exponential(start: 0.00005, factor: 2, count: 22)
    /// `tikv_raftstore_*_log_duration_seconds`: 10µs·2^k, 32 buckets (§2.1).
    static let raftBuckets = HistogramAccumulator.exponential(start: 0.00001, factor: 2, count: 32)
    /// `tikv_raftstore_log_lag`: 2, 4, …, 1024, 5120, 10240 entries (§2.1).
    static let logLagBuckets = HistogramAccumulator.exponential(start: 2, factor: 2, count: 10) + [5_120, 10_240]

    var grpc = GRPCMessageType.allCases.map { _ in HistogramAccumulator(bounds: StoreCounters.grpcBuckets) }
    var grpcFail = [Double](repeating: 0, count: GRPCMessageType.allCases.count)
    var asyncWriteSuccess: Double = 0
    var asyncWriteDiskFull: Double = 0
    /// `tikv_storage_engine_async_request_total{status="err_server_is_busy"}` and
    /// `tikv_scheduler_too_busy_total`: writes turned away while RocksDB stalls.
    var asyncWriteServerBusy: Double = 0
    var schedulerTooBusy: Double = 0
    var asyncSnapshotSuccess: Double = 0
    var cpuSeconds: Double = 0
    var threadCPU = [Double](repeating: 0, count: TiKVThread.all.count)
    var appendLog = HistogramAccumulator(bounds: StoreCounters.raftBuckets)
    var commitLog = HistogramAccumulator(bounds: StoreCounters.raftBuckets)
    var applyLog = HistogramAccumulator(bounds: StoreCounters.raftBuckets)
    var proposeWait = HistogramAccumulator(bounds: StoreCounters.raftBuckets)
    var logLag = HistogramAccumulator(bounds: StoreCounters.logLagBuckets)
    var heartbeatNoop: Double = 0
    var heartbeatSend: Double = 0
    var unreachable: [UInt64: Double] = [:]
    var pdReconnectSuccess: Double = 0
    var snapshotGenerate: Double = 0
    var snapshotApply: Double = 0
    var snapshotSend: Double = 0
    var snapshotReceive: Double = 0

    mutating func integrate(_ activity: StoreActivity, seconds: Double, cache: inout CDFCache) {
        guard seconds > 0 else { return }
        for type in GRPCMessageType.allCases {
            let index = type.rawValue
            grpc[index].observe(activity.grpcQPS[index] * seconds, from: activity.grpcLatency[index], cache: &cache)
            grpcFail[index] += activity.grpcFailRate[index] * seconds
        }
        let writes = activity.writeQPS * seconds
        let busy = min(writes, activity.schedulerBusyPerSecond * seconds)
        schedulerTooBusy += busy
        asyncWriteServerBusy += busy
        if activity.writesRejectedForDiskFull {
            asyncWriteDiskFull += writes - busy
        } else {
            asyncWriteSuccess += writes - busy
        }
        asyncSnapshotSuccess += (activity.totalQPS - activity.writeQPS) * seconds
        let cpu = activity.cpuCores * seconds
        cpuSeconds += cpu
        // Thread times add up to the process time; a write hotspot's extra CPU lands on raftstore.
        let raftstoreShare = TiKVThread.all.filter(\.raftstore).reduce(0) { $0 + $1.share }
        let boost = min(activity.raftstoreCPUBoost, activity.cpuCores) * seconds
        for (index, thread) in TiKVThread.all.enumerated() {
            var share = thread.share * (cpu - boost)
            if thread.raftstore { share += boost * thread.share / raftstoreShare }
            threadCPU[index] += share
        }
        let raftOps = activity.raftOpsPerSecond * seconds
        appendLog.observe(raftOps, from: activity.appendLatency, cache: &cache)
        commitLog.observe(raftOps, from: activity.commitLatency, cache: &cache)
        applyLog.observe(raftOps, from: activity.applyLatency, cache: &cache)
        proposeWait.observe(raftOps, from: activity.proposeWait, cache: &cache)
        logLag.observe(activity.logLagObservationsPerSecond * seconds, from: activity.logLag, cache: &cache)
        heartbeatNoop += activity.regionHeartbeatsPerSecond * seconds
        heartbeatSend += seconds / Physics.storeHeartbeatInterval.seconds
        for (store, rate) in activity.unreachablePerSecond {
            unreachable[store, default: 0] += rate * seconds
        }
    }
}
