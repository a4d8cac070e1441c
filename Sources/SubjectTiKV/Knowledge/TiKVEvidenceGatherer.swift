import Foundation
import OperatorCore
import PrometheusClient

/// Gathers signals (from a snapshot), metric windows (range queries, when Prometheus is configured) and the
/// topology for one incident. Never throws: what cannot be gathered becomes a note.
struct TiKVEvidenceGatherer: Sendable {
    let thresholds: TiKVThresholds
    let prometheus: PrometheusAPI?
    let observer: TiKVObserver?

    /// Signals are gathered for at most this many stores (the incident's first), keeping contexts bounded.
    static let maxStores = 64

    func gather(for request: EvidenceRequest, snapshot given: TiKVSnapshot?) async -> DiagnosisEvidence {
        var evidence = DiagnosisEvidence()
        var snapshot = given
        if snapshot == nil {
            if let observer {
                do { snapshot = try await observer.observe() } catch {
                    evidence.notes.append("could not observe the cluster for evidence: \(error)")
                }
            } else {
                evidence.notes.append("no snapshot given and no way to observe the cluster")
            }
        }
        guard let snapshot else { return evidence }
        evidence.signals = Self.signals(from: snapshot, focus: request, thresholds: thresholds)
        evidence.topology = Self.topology(snapshot)
        evidence.notes += Self.notes(snapshot)
        if let prometheus {
            let (windows, notes) = await metricWindows(prometheus, snapshot: snapshot, window: request.window)
            evidence.metrics = windows
            evidence.notes += notes
        } else {
            evidence.notes.append(
                "no Prometheus configured: metric windows are unavailable; signals come from the latest direct scrape of each store")
        }
        return evidence
    }

    // MARK: - Signals

    static func signals(from s: TiKVSnapshot, focus: EvidenceRequest?, thresholds t: TiKVThresholds) -> [Signal] {
        var out: [Signal] = []
        let pdStores = "/pd/api/v1/stores"
        let metricsSource = s.metricsSource == "prometheus" ? "Prometheus" : "/metrics (direct scrape)"
        let focusEntities = Set((focus?.tickets ?? []).map(\.entity) + [focus?.rootEntity].compactMap { $0 })
        let stores = s.stores.sorted { a, b in
            let fa = focusEntities.contains(a.entity), fb = focusEntities.contains(b.entity)
            return fa != fb ? fa : a.id < b.id
        }.prefix(maxStores)
        for store in stores {
            let e = store.entity
            out.append(Signal("store.state", entity: e, value: .string(store.stateName), source: pdStores, expected: "Up"))
            if let age = store.heartbeatAgeSeconds {
                out.append(
                    Signal("store.heartbeat_age_seconds", entity: e, value: .number(age.rounded()), source: pdStores,
                        expected: "< 20 (Disconnected after 20 s)", unit: "s"))
            }
            if let reachable = store.statusReachable {
                out.append(
                    Signal("store.status_reachable", entity: e, value: .bool(reachable),
                        source: "http://\(store.statusAddress ?? "?")/status", expected: "true"))
            }
            if let r = store.availableRatio {
                out.append(
                    Signal("store.available_ratio", entity: e, value: .number((r * 1000).rounded() / 1000),
                        source: store.metrics?.availableRatio != nil ? "tikv_store_size_bytes" : pdStores,
                        expected: "> \(t.lowSpaceRatio)"))
            }
            if let score = store.slowScore {
                out.append(
                    Signal("store.slow_score", entity: e, value: .number(score),
                        source: store.pdSlowScore != nil ? pdStores : "tikv_raftstore_slow_score",
                        expected: "< \(NumberText.integer(t.slowScore))"))
            }
            if let l = store.leaders {
                out.append(Signal("store.leader_count", entity: e, value: .number(l), source: pdStores))
            }
            if let restarts = store.recentRestarts {
                out.append(
                    Signal("store.recent_restarts", entity: e, value: .number(Double(restarts)),
                        source: "process_start_time_seconds / PD uptime, over \(NumberText.integer(TiKVSnapshot.restartWindowSeconds)) s",
                        expected: "< 2"))
            }
            if let uptime = store.uptimeSeconds, uptime.isFinite {
                out.append(Signal("store.uptime_seconds", entity: e, value: .number(uptime.rounded()), source: pdStores, unit: "s"))
            }
            if let r = store.regionCount {
                out.append(Signal("store.region_count", entity: e, value: .number(Double(r)), source: pdStores))
            }
            guard let m = store.metrics else { continue }
            func add(_ name: String, _ v: Double?, _ query: String, expected: String? = nil, unit: String? = nil) {
                guard let v, v.isFinite else { return }
                let rounded = abs(v) >= 100 ? v.rounded() : (v * 100_000).rounded() / 100_000
                out.append(Signal(name, entity: e, value: .number(rounded), source: "\(metricsSource): \(query)",
                    expected: expected, unit: unit))
            }
            add("store.qps", m.qps, "rate(tikv_grpc_msg_duration_seconds_count{type!=\"kv_gc\"})", unit: "req/s")
            add("store.p99_seconds", m.p99LatencySeconds, "histogram_quantile(0.99, tikv_grpc_msg_duration_seconds_bucket)",
                expected: "< \(t.latencyP99Seconds)", unit: "s")
            add("store.grpc_failures_per_second", m.grpcFailuresPerSecond, "rate(tikv_grpc_msg_fail_total)", expected: "0")
            add("store.cpu", m.cpuCores, "rate(process_cpu_seconds_total)", unit: "cores")
            add("store.cpu_quota_ratio", m.cpuQuotaRatio, "rate(process_cpu_seconds_total) / tikv_server_cpu_cores_quota",
                expected: "< \(t.cpuQuotaRatio)")
            add("store.raftstore_cpu", m.raftstoreCPUCores, "rate(tikv_thread_cpu_seconds_total{name=~\"(raftstore|rs)_.*\"})",
                unit: "cores")
            add("store.raft_log_lag_p99", m.raftLogLagP99, "histogram_quantile(0.99, tikv_raftstore_log_lag_bucket)",
                expected: "< \(NumberText.integer(t.raftLogLagEntries))", unit: "entries")
            add("store.append_p99_seconds", m.appendLogP99Seconds,
                "histogram_quantile(0.99, tikv_raftstore_append_log_duration_seconds_bucket)", expected: "< 1", unit: "s")
            add("store.commit_p99_seconds", m.commitLogP99Seconds,
                "histogram_quantile(0.99, tikv_raftstore_commit_log_duration_seconds_bucket)", expected: "< 1", unit: "s")
            add("store.apply_p99_seconds", m.applyLogP99Seconds,
                "histogram_quantile(0.99, tikv_raftstore_apply_log_duration_seconds_bucket)", expected: "< 1", unit: "s")
            add("store.write_stall_p99_seconds", m.writeStallP99Seconds,
                "max(tikv_engine_write_stall{type=\"write_stall_percentile99\"}) / 1e6", expected: "0", unit: "s")
            add("store.scheduler_busy_per_second", m.schedulerBusyPerSecond, "rate(tikv_scheduler_too_busy_total)", expected: "0",
                unit: "req/s")
            add("store.propose_wait_p99_seconds", m.proposeWaitP99Seconds,
                "histogram_quantile(0.99, tikv_raftstore_request_wait_time_duration_secs_bucket)", unit: "s")
            add("store.snapshots_applying", m.snapshotsApplying, "tikv_raftstore_snapshot_traffic_total{type=\"applying\"}", expected: "0")
            if let reason = m.writeStallReason {
                out.append(Signal("store.write_stall_reason", entity: e, value: .string(reason),
                    source: "\(metricsSource): tikv_engine_write_stall_reason"))
            }
        }

        if let r = s.regions {
            for check in PDRegionCheck.allCases {
                guard let n = r.count(check) else { continue }
                let name = "regions." + check.rawValue.replacingOccurrences(of: "-", with: "_")
                out.append(
                    Signal(name, entity: .cluster, value: .number(Double(n)),
                        source: r.source(of: check),
                        expected: RegionHealth.degradingChecks.contains(check) ? "0" : nil))
            }
            if let total = r.total {
                out.append(Signal("regions.total", entity: .cluster, value: .number(Double(total)), source: "/pd/api/v1/regions/count"))
            }
        }
        if s.pd.membersError == nil {
            out.append(
                Signal("pd.leader", entity: .cluster, value: s.pd.leader.map { .string($0) } ?? .null,
                    source: "/pd/api/v1/members", expected: "a leader"))
        }
        if let changes = s.pd.recentLeaderChanges {
            out.append(
                Signal("pd.recent_leader_changes", entity: .cluster, value: .number(Double(changes)),
                    source: "/pd/api/v1/members between observations, over \(NumberText.integer(TiKVSnapshot.restartWindowSeconds)) s",
                    expected: "< 2"))
        }
        if let previous = s.pd.previousLeader {
            out.append(Signal("pd.previous_leader", entity: .cluster, value: .string(previous), source: "/pd/api/v1/members"))
        }
        for member in s.pd.members {
            if let healthy = member.healthy {
                out.append(
                    Signal("pd.member_healthy", entity: member.entity, value: .bool(healthy), source: "/pd/api/v1/health",
                        expected: "true"))
            }
        }
        return out
    }

    static func topology(_ s: TiKVSnapshot) -> JSONValue {
        .object([
            "pd_leader": JSONValue(s.pd.leader),
            "pd_members": .array(
                s.pd.members.map {
                    .object([
                        "name": .string($0.name), "client_urls": .array($0.clientURLs.map { .string($0) }),
                        "healthy": JSONValue($0.healthy), "is_leader": .bool($0.isLeader),
                    ])
                }),
            "stores": .array(
                s.stores.prefix(maxStores).map { store in
                    .object([
                        "id": .number(Double(store.id)), "address": JSONValue(store.address),
                        "status_address": JSONValue(store.statusAddress), "state": .string(store.stateName),
                        "labels": .object(store.labels.mapValues { .string($0) }), "tiflash": .bool(store.isTiFlash),
                    ])
                }),
            "max_replicas": JSONValue(s.maxReplicas),
        ])
    }

    static func notes(_ s: TiKVSnapshot) -> [String] {
        var notes: [String] = []
        if let e = s.storesError { notes.append("stores unavailable: \(e)") }
        if let e = s.pd.membersError { notes.append("PD members unavailable: \(e)") }
        if let e = s.pd.healthError { notes.append("PD health unavailable: \(e)") }
        if let e = s.regionsError { notes.append("region health counts unavailable: \(e)") }
        if let e = s.metricsError { notes.append("store metrics unavailable: \(e)") }
        for store in s.stores.prefix(maxStores) where store.metrics == nil {
            if let e = store.metricsError { notes.append("store \(store.id): no metrics: \(e)") }
        }
        if s.stores.count > maxStores { notes.append("signals cover \(maxStores) of \(s.stores.count) stores") }
        return notes + s.notes
    }

    // MARK: - Metric windows

    func metricWindows(_ api: PrometheusAPI, snapshot: TiKVSnapshot, window: DateInterval) async -> ([MetricWindow], [String]) {
        var storeByInstance: [String: Entity] = [:]
        for s in snapshot.stores { if let a = s.statusAddress { storeByInstance[StoreMetricsTarget.instanceKey(a)] = s.entity } }
        let duration = max(window.duration, 60)
        let step = Duration.seconds(max(1, Int(checking: duration / 60) ?? 1))
        let w = "1m"
        let queries: [(String, String, String?)] = [
            ("store.qps", "sum(rate(tikv_grpc_msg_duration_seconds_count{type!=\"kv_gc\"}[\(w)])) by (instance)", "req/s"),
            ("store.p99_seconds",
             "histogram_quantile(0.99, sum(rate(tikv_grpc_msg_duration_seconds_bucket{type!=\"kv_gc\"}[\(w)])) by (le, instance))", "s"),
            ("store.cpu", "sum(rate(process_cpu_seconds_total[\(w)])) by (instance)", "cores"),
            ("store.available_ratio",
             "sum(tikv_store_size_bytes{type=\"available\"}) by (instance) / sum(tikv_store_size_bytes{type=\"capacity\"}) by (instance)", nil),
            ("store.slow_score", "max(tikv_raftstore_slow_score) by (instance)", nil),
            ("store.raft_log_lag_p99", "histogram_quantile(0.99, sum(rate(tikv_raftstore_log_lag_bucket[\(w)])) by (le, instance))", "entries"),
            ("store.apply_p99_seconds",
             "histogram_quantile(0.99, sum(rate(tikv_raftstore_apply_log_duration_seconds_bucket[\(w)])) by (le, instance))", "s"),
            ("store.up", "up", nil),
        ]
        let start = window.end.addingTimeInterval(-duration)
        let results = await withTaskGroup(of: (Int, Result<[PrometheusRangeSeries], any Error>).self) { group in
            for (i, q) in queries.enumerated() {
                group.addTask {
                    do { return (i, .success(try await api.queryRange(q.1, start: start, end: window.end, step: step))) } catch {
                        return (i, .failure(error))
                    }
                }
            }
            var out: [(Int, Result<[PrometheusRangeSeries], any Error>)] = []
            for await r in group { out.append(r) }
            return out.sorted { $0.0 < $1.0 }
        }
        var windows: [MetricWindow] = []
        var notes: [String] = []
        for (i, result) in results {
            let (name, query, unit) = queries[i]
            switch result {
            case .success(let series):
                for s in series {
                    guard let instance = s.metric["instance"], let entity = storeByInstance[StoreMetricsTarget.instanceKey(instance)]
                    else { continue }
                    windows.append(
                        MetricWindow(name: name, query: query, entity: entity, unit: unit,
                            points: s.points.map { MetricPoint(time: $0.time, value: $0.value) }))
                }
            case .failure(let error):
                notes.append("metric window \(name) unavailable: \(error)")
            }
        }
        return (windows, notes)
    }
}
