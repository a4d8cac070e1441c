/// A PD member's `/metrics` (tikv-interfaces.md §2.2). Region and store statistics are computed
/// by the leader only; followers export just their role (real followers export stale values,
/// which the official alert rules exclude with `etcd_server_is_leader`).
extension ClusterModel {
    static let pdRegionStatusTypes = [
        "miss-peer-region-count", "extra-peer-region-count", "down-peer-region-count", "pending-peer-region-count",
        "offline-peer-region-count", "learner-peer-region-count", "empty-region-count", "oversized-region-count",
        "undersized-region-count", "witness-leader-region-count",
    ]

    func pdMetricsPage(member index: Int, summary: ClusterSummary) -> String {
        let member = pd.members[index]
        let isLeader = pd.leaderIndex == index
        var page = PrometheusTextWriter()
        page.family("service_member_role", type: "gauge", help: "The role of this member.")
        page.sample("service_member_role", [("service", "PD")], isLeader ? 1 : 0)
        page.family("etcd_server_is_leader", type: "gauge", help: "Whether or not this member is a leader. 1 if is, 0 otherwise.")
        page.sample("etcd_server_is_leader", [], isLeader ? 1 : 0)
        page.family("etcd_server_has_leader", type: "gauge", help: "Whether or not a leader exists. 1 is existence, 0 is not.")
        page.sample("etcd_server_has_leader", [], pd.leaderIndex == nil ? 0 : 1)
        page.family("pd_server_info", type: "gauge", help: "Indicate the pd server info, and the value is the start timestamp (s).")
        page.sample("pd_server_info", [("hash", ClusterModel.pdGitHash), ("version", configuration.pdVersion)], Double(member.processStart.wholeSeconds))
        // PD's own CPU: a few percent of a core while it runs.
        page.family("process_cpu_seconds_total", type: "counter", help: "Total user and system CPU time spent in seconds.")
        page.sample("process_cpu_seconds_total", [], (max(0, (summary.time - member.processStart).seconds) * (isLeader ? 0.05 : 0.01) * 100).rounded(.down) / 100)
        page.family("process_start_time_seconds", type: "gauge", help: "Start time of the process since unix epoch in seconds.")
        page.sample("process_start_time_seconds", [], Double(member.processStart.wholeSeconds))
        if let since = member.leaderSince {
            page.family("pd_tso_events", type: "counter", help: "Counter of tso events")
            page.count("pd_tso_events", [("group", "0"), ("type", "save")], max(0, (summary.time - since).seconds / 3))
        }
        guard isLeader else { return page.text }

        let counts: [String: Int] = [
            "miss-peer-region-count": summary.missPeerRegions,
            "down-peer-region-count": summary.downPeerRegions,
            "pending-peer-region-count": summary.pendingPeerRegions,
            "empty-region-count": summary.emptyRegions,
            "undersized-region-count": summary.undersizedRegions,
        ]
        page.family("pd_regions_status", type: "gauge", help: "Status of the regions.")
        for type in ClusterModel.pdRegionStatusTypes {
            page.sample("pd_regions_status", [("type", type)], Double(counts[type] ?? 0))
        }

        page.family("pd_cluster_status", type: "gauge", help: "Status of the cluster.")
        let time = summary.time
        for store in stores {
            let storeLabel = String(store.id)
            let downTime = time - lastHeartbeat(ofStore: store.index, at: time)
            let available = availableBytes(ofStore: store.index, summary: summary)
            // observeStoreStatus: exactly one of down / unhealth / disconnected / slow / up.
            let isDown = downTime >= maxStoreDownTime
            let unhealthy = !isDown && downTime > Physics.storeUnhealthyAfter
            let disconnected = !isDown && !unhealthy && downTime > Physics.storeDisconnectAfter
            let slow = !isDown && !unhealthy && !disconnected && store.slowScore(at: time) >= 80
            let up = !isDown && !unhealthy && !disconnected && !slow
            let lowSpace = !isDown && available < store.capacityBytes * 0.2
            let values: [(String, Double)] = [
                ("store_up_count", up ? 1 : 0), ("store_disconnected_count", disconnected ? 1 : 0),
                ("store_slow_count", slow ? 1 : 0), ("store_down_count", isDown ? 1 : 0),
                ("store_unhealth_count", unhealthy ? 1 : 0), ("store_offline_count", 0), ("store_tombstone_count", 0),
                ("store_low_space_count", lowSpace ? 1 : 0), ("store_preparing_count", 0), ("store_serving_count", 1),
                ("store_removing_count", 0), ("store_removed_count", 0),
                ("region_count", Double(summary.regionCount[store.index])), ("leader_count", Double(summary.leaderCount[store.index])),
                ("witness_count", 0), ("learner_count", 0),
                ("storage_size", usedBytes(ofStore: store.index, summary: summary).rounded(.down)),
                ("storage_capacity", store.capacityBytes),
            ]
            for (type, value) in values {
                page.sample("pd_cluster_status", [("engine", "tikv"), ("store", storeLabel), ("type", type)], value)
            }
        }

        page.family("pd_scheduler_store_status", type: "gauge", help: "Store status for schedule")
        for store in stores {
            let labels = [("address", "tikv\(store.id).simulator.invalid:20160"), ("store", String(store.id))]
            let values: [(String, Double)] = [
                ("region_count", Double(summary.regionCount[store.index])),
                ("leader_count", Double(summary.leaderCount[store.index])),
                ("region_size", Double(summary.regionSizeMiB[store.index])),
                ("leader_size", Double(summary.leaderSizeMiB[store.index])),
                ("store_available", availableBytes(ofStore: store.index, summary: summary).rounded(.down)),
                ("store_used", usedBytes(ofStore: store.index, summary: summary).rounded(.down)),
                ("store_capacity", store.capacityBytes),
            ]
            for (type, value) in values {
                page.sample("pd_scheduler_store_status", labels + [("type", type)], value)
            }
        }
        // evict-slow-store-scheduler's own gauge (`pkg/schedule/schedulers/metrics.go`): 1 while it holds a store.
        page.family("pd_scheduler_evicted_slow_store_status", type: "gauge", help: "Store evicted by slow store scheduler.")
        for store in stores {
            let evicted = store.slowStoreEvictedAt.map { $0 <= time } ?? false
            page.sample("pd_scheduler_evicted_slow_store_status", [("slow_type", "disk"), ("store", String(store.id))], evicted ? 1 : 0)
        }
        page.family("pd_config_status", type: "gauge", help: "Status of the scheduling configurations.")
        page.sample("pd_config_status", [("type", "max-replicas")], Double(layout.desiredReplicas))
        page.sample("pd_config_status", [("type", "low-space-ratio")], 0.8)
        return page.text
    }
}
