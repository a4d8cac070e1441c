/// A TiKV store's `/metrics` page with the real metric names and labels (tikv-interfaces.md §2.1).
extension ClusterModel {
    func tikvMetricsPage(ofStore index: Int, summary: ClusterSummary) -> String {
        let store = stores[index]
        let counters = counters[index]
        let time = summary.time
        var page = PrometheusTextWriter()

        page.family("tikv_grpc_msg_duration_seconds", type: "histogram", help: "Bucketed histogram of grpc server messages")
        for type in GRPCMessageType.allCases {
            page.histogram("tikv_grpc_msg_duration_seconds", [("priority", "unknown"), ("type", type.label)], counters.grpc[type.rawValue])
        }
        page.family("tikv_grpc_msg_fail_total", type: "counter", help: "Total number of handle grpc message failure")
        for type in GRPCMessageType.allCases {
            page.count("tikv_grpc_msg_fail_total", [("type", type.label)], counters.grpcFail[type.rawValue])
        }
        page.family("tikv_storage_engine_async_request_total", type: "counter", help: "Total number of engine asynchronous requests")
        page.count("tikv_storage_engine_async_request_total", [("status", "all"), ("type", "write")],
                   counters.asyncWriteSuccess + counters.asyncWriteDiskFull + counters.asyncWriteServerBusy)
        page.count("tikv_storage_engine_async_request_total", [("status", "err_server_is_busy"), ("type", "write")], counters.asyncWriteServerBusy)
        page.count("tikv_storage_engine_async_request_total", [("status", "success"), ("type", "write")], counters.asyncWriteSuccess)
        page.count("tikv_storage_engine_async_request_total", [("status", "err_disk_full"), ("type", "write")], counters.asyncWriteDiskFull)
        page.count("tikv_storage_engine_async_request_total", [("status", "all"), ("type", "snapshot")], counters.asyncSnapshotSuccess)
        page.count("tikv_storage_engine_async_request_total", [("status", "success"), ("type", "snapshot")], counters.asyncSnapshotSuccess)

        let used = usedBytes(ofStore: index, summary: summary)
        let available = availableBytes(ofStore: index, summary: summary)
        page.family("tikv_store_size_bytes", type: "gauge", help: "Size of storage.")
        page.sample("tikv_store_size_bytes", [("type", "capacity")], store.capacityBytes)
        page.sample("tikv_store_size_bytes", [("type", "available")], available.rounded(.down))
        page.sample("tikv_store_size_bytes", [("type", "used")], used.rounded(.down))
        page.sample("tikv_store_size_bytes", [("type", "kv_size")], (used * 0.9).rounded(.down))
        page.sample("tikv_store_size_bytes", [("type", "raft_size")], (used * 0.1).rounded(.down))
        page.sample("tikv_store_size_bytes", [("type", "snap_size")], 0)
        page.sample("tikv_store_size_bytes", [("type", "import_size")], 0)

        page.family("process_cpu_seconds_total", type: "counter", help: "Total user and system CPU time spent in seconds.")
        page.sample("process_cpu_seconds_total", [], (counters.cpuSeconds * 100).rounded(.down) / 100)
        page.family("process_start_time_seconds", type: "gauge", help: "Start time of the process since unix epoch in seconds.")
        page.sample("process_start_time_seconds", [], Double(store.processStart.wholeSeconds))
        page.family("process_resident_memory_bytes", type: "gauge", help: "Resident memory size in bytes.")
        page.sample("process_resident_memory_bytes", [], residentMemoryBytes(ofStore: index, summary: summary))
        page.family("tikv_server_cpu_cores_quota", type: "gauge", help: "Total CPU cores quota for TiKV server")
        page.sample("tikv_server_cpu_cores_quota", [], Physics.cpuCoresQuota)
        page.family("tikv_server_memory_quota_bytes", type: "gauge", help: "Total memory bytes quota for TiKV server")
        page.sample("tikv_server_memory_quota_bytes", [], Physics.memoryQuotaBytes)

        // A gauge that only grows, as TiKV's ThreadsCollector exports it.
        page.family("tikv_thread_cpu_seconds_total", type: "gauge", help: "Total user and system CPU time spent in seconds by threads.")
        for (threadIndex, thread) in TiKVThread.all.enumerated() {
            page.sample("tikv_thread_cpu_seconds_total", [("name", thread.name), ("tid", String(thread.tid))],
                        (counters.threadCPU[threadIndex] * 100).rounded(.down) / 100)
        }

        page.family("tikv_raftstore_region_count", type: "gauge", help: "Number of regions collected in region_collection_worker")
        page.sample("tikv_raftstore_region_count", [("type", "region")], Double(summary.regionCount[index]))
        page.sample("tikv_raftstore_region_count", [("type", "leader")], Double(summary.leaderCount[index]))
        page.sample("tikv_raftstore_region_count", [("type", "buckets")], 0)
        page.family("tikv_raftstore_leader_missing", type: "gauge", help: "Total number of leader missed region")
        page.sample("tikv_raftstore_leader_missing", [], 0)

        page.family("tikv_raftstore_log_lag", type: "histogram", help: "Bucketed histogram of log lag in region")
        page.histogram("tikv_raftstore_log_lag", [], counters.logLag)
        page.family("tikv_raftstore_append_log_duration_seconds", type: "histogram", help: "Bucketed histogram of peer appending log duration")
        page.histogram("tikv_raftstore_append_log_duration_seconds", [], counters.appendLog)
        page.family("tikv_raftstore_commit_log_duration_seconds", type: "histogram", help: "Bucketed histogram of peer commits logs duration.")
        page.histogram("tikv_raftstore_commit_log_duration_seconds", [], counters.commitLog)
        page.family("tikv_raftstore_apply_log_duration_seconds", type: "histogram", help: "Bucketed histogram of peer applying log duration")
        page.histogram("tikv_raftstore_apply_log_duration_seconds", [], counters.applyLog)
        page.family("tikv_raftstore_request_wait_time_duration_secs", type: "histogram", help: "Bucketed histogram of request wait time duration.")
        page.histogram("tikv_raftstore_request_wait_time_duration_secs", [], counters.proposeWait)

        writeStallFamilies(into: &page, stalled: store.isWriteStalled(at: time), tooBusy: counters.schedulerTooBusy)

        // Snapshots in flight (`store/worker/pd.rs` sets it each store heartbeat): stuck applying under pending-peers.
        let applying = store.pendingPeersSince.map { $0 <= time } ?? false
        page.family("tikv_raftstore_snapshot_traffic_total", type: "gauge", help: "Total number of raftstore snapshot traffic.")
        page.sample("tikv_raftstore_snapshot_traffic_total", [("type", "applying")], applying ? Double(min(8, summary.regionCount[index])) : 0)
        page.sample("tikv_raftstore_snapshot_traffic_total", [("type", "receiving")], 0)
        page.sample("tikv_raftstore_snapshot_traffic_total", [("type", "sending")], 0)

        let slowScore = store.slowScore(at: time)
        page.family("tikv_raftstore_slow_score", type: "gauge", help: "Slow score of the store.")
        page.sample("tikv_raftstore_slow_score", [("type", "kvdb")], slowScore.rounded())
        page.sample("tikv_raftstore_slow_score", [("type", "network")], store.networkLagSince == nil ? 1 : 60)
        page.sample("tikv_raftstore_slow_score", [("type", "raft")], slowScore.rounded())

        page.family("tikv_pd_heartbeat_message_total", type: "counter", help: "Total number of PD heartbeat messages.")
        page.count("tikv_pd_heartbeat_message_total", [("type", "noop")], counters.heartbeatNoop)
        page.count("tikv_pd_heartbeat_message_total", [("type", "send")], counters.heartbeatSend)
        page.family("tikv_pd_reconnect_total", type: "counter", help: "Total number of PD reconnections.")
        page.count("tikv_pd_reconnect_total", [("type", "success")], counters.pdReconnectSuccess)

        page.family("tikv_server_report_failure_msg_total", type: "counter", help: "Total number of reporting failure messages")
        for (storeID, value) in counters.unreachable.sorted(by: { $0.key < $1.key }) {
            page.count("tikv_server_report_failure_msg_total", [("store_id", String(storeID)), ("type", "unreachable")], value)
        }
        return page.text
    }

    /// RocksDB's write stall as TiKV exports it (`components/engine_rocks/src/rocks_metrics.rs`): the
    /// STALL_MICROS histogram's statistics per db (`tikv_engine_write_stall`, µs), the stall causes
    /// (`tikv_engine_write_stall_reason`, RocksDB's WriteStallCause names) and the scheduler's ServerIsBusy
    /// rejections (`tikv_scheduler_too_busy_total`, by command).
    private func writeStallFamilies(into page: inout PrometheusTextWriter, stalled: Bool, tooBusy: Double) {
        page.family("tikv_engine_write_stall", type: "gauge", help: "Histogram of write stall")
        for db in ["kv", "raft"] {
            for (type, micros) in Physics.writeStallMicros {
                page.sample("tikv_engine_write_stall", [("db", db), ("type", type)], stalled && db == "kv" ? micros : 0)
            }
        }
        page.family("tikv_engine_write_stall_reason", type: "gauge", help: "QPS of each reason which cause tikv write stall")
        for (type, whileStalled) in [("level0_file_limit_slowdown", 40.0), ("level0_file_limit_stop", 8.0),
                                     ("memtable_limit_slowdown", 0.0), ("memtable_limit_stop", 0.0),
                                     ("pending_compaction_bytes_slowdown", 0.0), ("pending_compaction_bytes_stop", 0.0)] {
            page.sample("tikv_engine_write_stall_reason", [("db", "kv"), ("type", type)], stalled ? whileStalled : 0)
        }
        page.family("tikv_scheduler_too_busy_total", type: "counter", help: "Total count of scheduler too busy")
        page.count("tikv_scheduler_too_busy_total", [("type", "prewrite")], (tooBusy * 0.5).rounded(.down))
        page.count("tikv_scheduler_too_busy_total", [("type", "commit")], (tooBusy * 0.5).rounded(.down))
    }
}
