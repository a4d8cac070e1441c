import PrometheusClient

/// The TiKV metrics the subject reads, with the official dashboards' PromQL (tikv-interfaces.md §2.1,
/// `tikv_summary.json` / `tikv_details.json`, cluster selectors removed) and the same computation over two
/// direct scrapes. Keeping both here keeps the two paths reading the same series.
public enum TiKVMetricQueries {
    static let grpcDuration = "tikv_grpc_msg_duration_seconds"
    static let grpcFail = "tikv_grpc_msg_fail_total"
    static let storeSize = "tikv_store_size_bytes"
    static let processCPU = "process_cpu_seconds_total"
    static let threadCPU = "tikv_thread_cpu_seconds_total"
    static let logLag = "tikv_raftstore_log_lag"
    static let appendLog = "tikv_raftstore_append_log_duration_seconds"
    static let commitLog = "tikv_raftstore_commit_log_duration_seconds"
    static let applyLog = "tikv_raftstore_apply_log_duration_seconds"
    static let proposeWait = "tikv_raftstore_request_wait_time_duration_secs"
    static let regionCount = "tikv_raftstore_region_count"
    static let slowScore = "tikv_raftstore_slow_score"
    static let cpuQuota = "tikv_server_cpu_cores_quota"
    /// RocksDB's STALL_MICROS statistics per db, in µs (`rocks_metrics.rs`); the dashboards plot
    /// `type="write_stall_percentile99"`, the `TiKV_write_stall` alert any change.
    static let writeStall = "tikv_engine_write_stall"
    static let writeStallReason = "tikv_engine_write_stall_reason"
    static let schedulerTooBusy = "tikv_scheduler_too_busy_total"
    static let processStart = "process_start_time_seconds"
    static let snapshotTraffic = "tikv_raftstore_snapshot_traffic_total"
    static let writeStallP99 = LabelMatcher.equal("type", "write_stall_percentile99")

    /// Every family above: a direct scrape parses only these, not the store's thousands of other series.
    public static let families = MetricFamilyFilter(families: [
        grpcDuration, grpcFail, storeSize, processCPU, threadCPU, logLag, appendLog, commitLog, applyLog, proposeWait, regionCount,
        slowScore, cpuQuota, writeStall, writeStallReason, schedulerTooBusy, processStart, snapshotTraffic,
    ])

    /// `type!="kv_gc"`: GC traffic is excluded from QPS and latency, as on the dashboards.
    static let notGC = LabelMatcher.notEqual("type", "kv_gc")
    /// `name=~"(raftstore|rs)_.*"`: raftstore threads (`tikv_thread_cpu_seconds_total` names).
    static let raftstoreThreads = LabelMatcher.hasPrefix("name", anyOf: ["raftstore_", "rs_"])

    static func sizeSeries(_ type: String) -> String { "\(storeSize){type=\"\(type)\"}" }

    /// One PromQL query and how its result fills ``StoreMetrics``.
    struct Query: Sendable {
        let promql: String
        let apply: @Sendable (inout StoreMetrics, _ labels: LabelSet, _ value: Double) -> Void
    }

    /// The per-tick queries, each grouped `by (instance, …)`; `window` is a PromQL duration like `1m`.
    static func prometheusQueries(window: String) -> [Query] {
        func quantile(_ metric: String, _ filter: String = "") -> String {
            "histogram_quantile(0.99, sum(rate(\(metric)_bucket\(filter)[\(window)])) by (le, instance))"
        }
        return [
            Query(promql: "sum(rate(\(grpcDuration)_count{type!=\"kv_gc\"}[\(window)])) by (instance, type)") { m, labels, v in
                guard v.isFinite, let type = labels["type"] else { return }
                m.qpsByType[type] = v
                m.qps = (m.qps ?? 0) + v
            },
            Query(promql: quantile(grpcDuration, "{type!=\"kv_gc\"}")) { m, _, v in m.p99LatencySeconds = Optional(v).finite },
            Query(promql: "sum(rate(\(grpcFail){type!=\"kv_gc\"}[\(window)])) by (instance)") { m, _, v in
                m.grpcFailuresPerSecond = Optional(v).finite
            },
            Query(promql: "sum(\(storeSize){type=~\"capacity|available|used\"}) by (instance, type)") { m, labels, v in
                switch labels["type"] {
                case "capacity": m.capacityBytes = m.nonNegative(v, sizeSeries("capacity"))
                case "available": m.availableBytes = m.nonNegative(v, sizeSeries("available"))
                case "used": m.usedBytes = m.nonNegative(v, sizeSeries("used"))
                default: break
                }
            },
            Query(promql: "sum(rate(\(processCPU)[\(window)])) by (instance)") { m, _, v in m.cpuCores = Optional(v).finite },
            Query(promql: "sum(rate(\(threadCPU){name=~\"(raftstore|rs)_.*\"}[\(window)])) by (instance)") { m, _, v in
                m.raftstoreCPUCores = Optional(v).finite
            },
            Query(promql: quantile(logLag)) { m, _, v in m.raftLogLagP99 = Optional(v).finite },
            Query(promql: quantile(appendLog)) { m, _, v in m.appendLogP99Seconds = Optional(v).finite },
            Query(promql: quantile(commitLog)) { m, _, v in m.commitLogP99Seconds = Optional(v).finite },
            Query(promql: quantile(applyLog)) { m, _, v in m.applyLogP99Seconds = Optional(v).finite },
            Query(promql: quantile(proposeWait)) { m, _, v in m.proposeWaitP99Seconds = Optional(v).finite },
            Query(promql: "sum(\(regionCount){type=~\"leader|region\"}) by (instance, type)") { m, labels, v in
                switch labels["type"] {
                case "leader": m.leaderCount = m.nonNegative(v, "\(regionCount){type=\"leader\"}")
                case "region": m.regionCount = m.nonNegative(v, "\(regionCount){type=\"region\"}")
                default: break
                }
            },
            Query(promql: "max(\(slowScore)) by (instance)") { m, _, v in m.slowScore = Optional(v).finite },
            Query(promql: "max(\(cpuQuota)) by (instance)") { m, _, v in m.cpuQuotaCores = Optional(v).finite },
            Query(promql: "max(\(writeStall){type=\"write_stall_percentile99\"}) by (instance)") { m, _, v in
                m.writeStallP99Seconds = m.nonNegative(v, "\(writeStall){type=\"write_stall_percentile99\"}").map { $0 / 1_000_000 }
            },
            Query(promql: "max(\(writeStallReason)) by (instance, type)") { m, labels, v in
                guard v.isFinite, v > 0, let type = labels["type"] else { return }
                m.noteStallReason(type, v)
            },
            Query(promql: "sum(rate(\(schedulerTooBusy)[\(window)])) by (instance)") { m, _, v in
                m.schedulerBusyPerSecond = Optional(v).finite
            },
            Query(promql: "max(\(processStart)) by (instance)") { m, _, v in
                m.processStartTimeSeconds = m.nonNegative(v, processStart)
            },
            Query(promql: "max(\(snapshotTraffic){type=\"applying\"}) by (instance)") { m, _, v in
                m.snapshotsApplying = m.nonNegative(v, "\(snapshotTraffic){type=\"applying\"}")
            },
        ]
    }

    /// The same numbers from two scrapes of one store's `/metrics` (`previous` older than `current`).
    static func directMetrics(previous: MetricsScrape, current: MetricsScrape) -> StoreMetrics {
        directMetrics(previous: ScrapeBaseline(previous), current: current)
    }

    /// The same, against what was kept of the previous scrape (``ScrapeBaseline``).
    static func directMetrics(previous: ScrapeBaseline, current: MetricsScrape) -> StoreMetrics {
        var m = gauges(current.page)
        let byType = current.rate(of: grpcDuration + "_count", since: previous, matching: [notGC], by: ["type"])
        // Non-finite counters (a "NaN" on the page) give no value, not a NaN that JSON cannot carry.
        for (labels, v) in byType where v.isFinite {
            guard let type = labels["type"] else { continue }
            m.qpsByType[type] = v
        }
        // As `sum(...) by (instance)` in PromQL: no matching series, no value.
        m.qps = byType.isEmpty ? nil : Optional(byType.values.reduce(0, +)).finite
        func p99(_ metric: String, _ matchers: [LabelMatcher] = []) -> Double? {
            current.histogramQuantile(0.99, ofHistogram: metric, since: previous, matching: matchers)[[:]].finite
        }
        m.p99LatencySeconds = p99(grpcDuration, [notGC])
        m.grpcFailuresPerSecond = current.rate(of: grpcFail, since: previous, matching: [notGC])[[:]].finite
        m.cpuCores = current.rate(of: processCPU, since: previous)[[:]].finite
        m.raftstoreCPUCores = current.rate(of: threadCPU, since: previous, matching: [raftstoreThreads])[[:]].finite
        m.raftLogLagP99 = p99(logLag)
        m.appendLogP99Seconds = p99(appendLog)
        m.commitLogP99Seconds = p99(commitLog)
        m.applyLogP99Seconds = p99(applyLog)
        m.proposeWaitP99Seconds = p99(proposeWait)
        m.schedulerBusyPerSecond = current.rate(of: schedulerTooBusy, since: previous)[[:]].finite
        m.windowSeconds = current.seconds(since: previous)
        return m
    }

    /// Gauges need only one scrape.
    static func gauges(_ page: MetricsPage) -> StoreMetrics {
        var m = StoreMetrics()
        let sizes = page.sum(storeSize, by: ["type"])
        m.capacityBytes = m.nonNegative(sizes[["type": "capacity"]], sizeSeries("capacity"))
        m.availableBytes = m.nonNegative(sizes[["type": "available"]], sizeSeries("available"))
        m.usedBytes = m.nonNegative(sizes[["type": "used"]], sizeSeries("used"))
        let regions = page.sum(regionCount, by: ["type"])
        m.leaderCount = m.nonNegative(regions[["type": "leader"]], "\(regionCount){type=\"leader\"}")
        m.regionCount = m.nonNegative(regions[["type": "region"]], "\(regionCount){type=\"region\"}")
        m.slowScore = page.max(slowScore)[[:]].finite
        m.cpuQuotaCores = page.max(cpuQuota)[[:]].finite
        if let micros = page.max(writeStall, matching: [writeStallP99])[[:]] {
            m.writeStallP99Seconds = m.nonNegative(micros, "\(writeStall){type=\"write_stall_percentile99\"}").map { $0 / 1_000_000 }
        }
        if let start = page.max(processStart)[[:]] { m.processStartTimeSeconds = m.nonNegative(start, processStart) }
        if let applying = page.max(snapshotTraffic, matching: [.equal("type", "applying")])[[:]] {
            m.snapshotsApplying = m.nonNegative(applying, "\(snapshotTraffic){type=\"applying\"}")
        }
        for (labels, v) in page.max(writeStallReason, by: ["type"]) where v.isFinite && v > 0 {
            if let type = labels["type"] { m.noteStallReason(type, v) }
        }
        return m
    }
}
