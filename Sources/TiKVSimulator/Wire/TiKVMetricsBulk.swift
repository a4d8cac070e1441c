/// The bulk of a real TiKV `/metrics` page that no invariant reads: per-thread series (`name`, `tid`),
/// per-column-family RocksDB series (`db`, `cf`) and the many latency histograms: with the families the
/// invariants read, about 1.3 MB uncompressed and 130 KB gzipped (the one published size of a real page
/// is "1407K", tikv/tikv#12928; tikv-at-scale.md §2).
///
/// Its values do not move: it gives the page its real size and shape, so that what a scrape costs
/// (bytes, parsing, gzip) is realistic. It is the same text for every store and built once, with its
/// compressed segment, so 500 stores cost 1.3 MB of simulator memory, not 650 MB.
enum TiKVMetricsBulk {
    static let text: String = build()
    static let deflated = DeflateSegment(text)

    /// TiKV's thread pools with their sizes on a 16-core store (the threads `ThreadsCollector` lists).
    static let threadPools: [(prefix: String, count: Int)] = [
        ("grpc-server-", 5), ("raftstore-1-", 2), ("apply-", 2), ("sched-worker-pool-", 4), ("unified-read-po", 16),
        ("cop-normal", 4), ("cop-high", 4), ("cop-low", 4), ("store-read-norm", 4), ("rocksdb:low", 6),
        ("rocksdb:high", 2), ("raftdb:low", 2), ("sst-importer", 4), ("backup-stream-", 4), ("snap-handler-", 2),
        ("region-collecto", 1), ("pd-worker", 1), ("split-check", 1), ("cdc-", 4), ("gc-worker", 1), ("time-monitor", 1),
        ("tso-worker", 1), ("check_leader", 1), ("status-server", 2), ("purge-worker-", 2), ("slogger", 1),
        ("timer", 1), ("refresh-config", 1), ("stats-monitor", 1), ("lock-collector", 1), ("deadlock-detect", 1),
        ("resolved-ts-", 2), ("raft-engine-pu", 2), ("tikv-server", 1), ("background-", 8), ("tokio-runtime-", 16),
        ("resource-meter", 1), ("cleanup-worker", 1), ("debugger", 1), ("flow-checker", 1), ("future-poller-", 4),
    ]

    static let commandTypes = [
        "get", "batch_get", "scan", "prewrite", "acquire_pessimistic_lock", "commit", "cleanup", "rollback",
        "pessimistic_rollback", "txn_heart_beat", "check_txn_status", "check_secondary_locks", "scan_lock",
        "resolve_lock", "resolve_lock_lite", "delete_range", "pause", "key_mvcc", "start_ts_mvcc", "raw_get",
        "raw_batch_get", "raw_scan", "raw_put", "raw_delete", "flashback_to_version", "flush", "buffer_batch_get",
    ]
    static let databases = ["kv", "raft"]
    static let columnFamilies = ["default", "lock", "write", "raft", "ver_default"]

    private static func build() -> String {
        var page = PrometheusTextWriter()
        var noise = BulkNoise(seed: "tikv")
        let threads = threadPools.flatMap { pool in (0..<pool.count).map { pool.prefix + String($0) } }
        let tids = threads.indices.map { String(200 + $0) }

        // Per-thread families (`components/tikv_util/src/metrics/threads_linux.rs`).
        page.family("tikv_threads_io_bytes_total", type: "counter", help: "Total number of bytes which threads cause to be fetched from or sent to the storage layer.")
        for (index, name) in threads.enumerated() {
            for io in ["read", "write"] {
                page.count("tikv_threads_io_bytes_total", [("io", io), ("name", name), ("tid", tids[index])], Double(noise.next() % 50_000_000_000))
            }
        }
        for family in ["tikv_thread_voluntary_context_switches", "tikv_thread_nonvoluntary_context_switches"] {
            page.family(family, type: "gauge", help: "Number of thread context switches.")
            for (index, name) in threads.enumerated() {
                page.count(family, [("name", name), ("tid", tids[index])], Double(noise.next() % 10_000_000))
            }
        }
        page.family("tikv_threads_state", type: "gauge", help: "Number of threads in each state.")
        for state in ["R", "S", "D", "Z", "T"] {
            page.sample("tikv_threads_state", [("state", state)], state == "S" ? Double(threads.count - 4) : state == "R" ? 4 : 0)
        }

        // Per-column-family RocksDB families (`components/engine_rocks/src/rocks_metrics.rs`).
        for family in ["tikv_engine_estimate_num_keys", "tikv_engine_pending_compaction_bytes", "tikv_engine_memory_bytes",
                       "tikv_engine_num_immutable_mem_table", "tikv_engine_size_bytes", "tikv_engine_compression_ratio",
                       "tikv_engine_num_snapshots", "tikv_engine_oldest_snapshot_duration", "tikv_engine_blob_file_count"] {
            page.family(family, type: "gauge", help: "RocksDB column family statistics.")
            for db in databases {
                for cf in columnFamilies {
                    page.sample(family, [("cf", cf), ("db", db)], Double(noise.next() % 100_000_000))
                }
            }
        }
        for family in ["tikv_engine_num_files_at_level", "tikv_engine_compression_ratio_at_level"] {
            page.family(family, type: "gauge", help: "Number of files / compression ratio at each level.")
            for db in databases {
                for cf in columnFamilies {
                    for level in 0..<7 {
                        page.sample(family, [("cf", cf), ("db", db), ("level", String(level))], Double(noise.next() % 1_000))
                    }
                }
            }
        }
        let tickers = ["block_cache_miss", "block_cache_hit", "block_cache_add", "bloom_filter_useful", "memtable_hit",
                       "memtable_miss", "get_hit_l0", "get_hit_l1", "get_hit_l2_and_up", "number_keys_written",
                       "number_keys_read", "bytes_written", "bytes_read", "compaction_key_drop_newer_entry", "wal_file_synced"]
        page.family("tikv_engine_ticker", type: "counter", help: "RocksDB tickers.")
        for db in databases {
            for ticker in tickers {
                page.count("tikv_engine_ticker", [("db", db), ("type", ticker)], Double(noise.next() % 1_000_000_000_000))
            }
        }
        for family in ["tikv_engine_get_micro_seconds", "tikv_engine_write_micro_seconds", "tikv_engine_seek_micro_seconds",
                       "tikv_engine_compaction_time", "tikv_engine_wal_file_sync_micro_seconds", "tikv_engine_sst_read_micros",
                       "tikv_engine_bytes_per_read", "tikv_engine_bytes_per_write"] {
            page.family(family, type: "gauge", help: "RocksDB histogram statistics.")
            for db in databases {
                for type in ["average", "percentile95", "percentile99", "max"] {
                    page.sample(family, [("db", db), ("type", family.hasSuffix("seconds") ? "\(family.split(separator: "_")[2])_\(type)" : type)], Double(noise.next() % 100_000) / 10)
                }
            }
        }

        // Latency histograms by command and request type: most of the page.
        for (family, label) in [("tikv_scheduler_command_duration_seconds", "type"), ("tikv_scheduler_latch_wait_duration_seconds", "type"),
                                ("tikv_scheduler_processing_read_duration_seconds", "type"), ("tikv_scheduler_kv_command_key_read", "type"),
                                ("tikv_scheduler_kv_command_key_write", "type"), ("tikv_storage_engine_async_request_duration_seconds", "type")] {
            page.family(family, type: "histogram", help: "Bucketed histogram of \(family.replacingUnderscores)")
            for type in commandTypes { page.staticHistogram(family, [(label, type)], buckets: 30) }
        }
        for family in ["tikv_coprocessor_request_duration_seconds", "tikv_coprocessor_request_handle_seconds",
                       "tikv_coprocessor_request_wait_seconds", "tikv_coprocessor_scan_keys", "tikv_coprocessor_scan_details"] {
            page.family(family, type: "histogram", help: "Bucketed histogram of coprocessor requests")
            for request in ["select", "index", "analyze_table", "analyze_index", "checksum_table", "test"] {
                for stage in ["all", "snapshot", "schedule"] {
                    page.staticHistogram(family, [("req", request), ("type", stage)], buckets: 30)
                }
            }
        }
        for family in ["tikv_raftstore_store_duration_secs", "tikv_raftstore_raft_process_duration_secs", "tikv_raftstore_apply_wait_time_duration_secs",
                       "tikv_raftstore_store_wf_batch_wait_duration_seconds",
                       "tikv_raftstore_store_wf_send_to_queue_duration_seconds", "tikv_raftstore_store_wf_persist_duration_seconds",
                       "tikv_raftstore_store_wf_commit_log_duration_seconds", "tikv_raftstore_apply_perf_context_time_duration_secs",
                       "tikv_raftstore_store_perf_context_time_duration_secs", "tikv_raftstore_event_duration"] {
            page.family(family, type: "histogram", help: "Bucketed histogram of raftstore stages")
            for type in ["ready", "tick", "message", "apply", "snapshot", "write", "pd_heartbeat", "split_check",
                         "compact_check", "snap_gc", "compact_lock_cf", "consistency_check", "cleanup_import_sst", "raft_engine_purge"] {
                page.staticHistogram(family, [("type", type)], buckets: 30)
            }
        }
        return page.text
    }
}

extension PrometheusTextWriter {
    /// A histogram whose counts are fixed (cumulative over 50 µs·2^k bounds, `+Inf` equal to `_count`),
    /// with irregular digits, so the page compresses like a real one (about 10:1), not like a pattern.
    mutating func staticHistogram(_ name: String, _ labels: [(String, String)], buckets: Int) {
        var bound = 0.00005
        var total: UInt64 = 0
        var noise = BulkNoise(seed: name + labels.map(\.1).joined())
        for _ in 0..<buckets {
            total += noise.next() % 50_000
            sample(name + "_bucket", labels + [("le", GoFormat.number(bound))], Double(total))
            bound *= 2
        }
        sample(name + "_bucket", labels + [("le", "+Inf")], Double(total))
        sample(name + "_sum", labels, Double(total) * Double(noise.next() % 1_000_000) / 1e8)
        sample(name + "_count", labels, Double(total))
    }
}

/// Deterministic irregular numbers (SplitMix64) for the bulk's values.
struct BulkNoise {
    private var state: UInt64

    init(seed: String) {
        state = seed.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

private extension String {
    var replacingUnderscores: String { String(map { $0 == "_" ? " " : $0 }) }
}
