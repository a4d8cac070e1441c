/// PD's HTTP API bodies, field by field as PD's Go structs declare them (tikv-interfaces.md §1).
extension ClusterModel {
    // MARK: Members (§1.1)

    /// kvproto `pdpb.Member`; every field `omitempty`.
    func memberJSON(_ index: Int) -> GoJSON {
        let member = pd.members[index]
        var object = GoObject()
        object.add("name", member.name, omitEmpty: true)
        object.add("member_id", member.memberID, omitEmpty: true)
        object.add("peer_urls", .array([.string(member.peerURL)]))
        object.add("client_urls", .array([.string(pdClientURL(index))]))
        // leader_priority is 0 and so absent (omitempty).
        object.add("deploy_path", "/", omitEmpty: true)
        object.add("binary_version", configuration.pdVersion, omitEmpty: true)
        object.add("git_hash", ClusterModel.pdGitHash, omitEmpty: true)
        return object.json
    }

    func membersJSON() -> GoJSON {
        var object = GoObject()
        object.add("header", .object([("cluster_id", .uint(clusterID))]))
        object.add("members", .array(pd.members.indices.map { memberJSON($0) }))
        if let leader = pd.leaderIndex {
            object.add("leader", memberJSON(leader))
            object.add("etcd_leader", memberJSON(leader))
        }
        return object.json
    }

    /// `/health`: every member, healthy when its `/pd/api/v1/ping` answers.
    func healthJSON() -> GoJSON {
        .array(pd.members.indices.map { index in
            var object = GoObject()
            object.add("name", pd.members[index].name)
            object.add("member_id", pd.members[index].memberID)
            object.add("client_urls", .array([.string(pdClientURL(index))]))
            object.add("health", pd.isUp(index))
            return object.json
        })
    }

    func statusJSON(member index: Int) -> GoJSON {
        var object = GoObject()
        object.add("build_ts", "2024-12-18 02:47:19")
        object.add("version", configuration.pdVersion)
        object.add("git_hash", ClusterModel.pdGitHash)
        object.add("start_timestamp", pd.members[index].processStart.wholeSeconds)
        object.add("kernel_type", "Classic")
        return object.json
    }

    static let pdGitHash = "ab4d2d1ae08dbd8e1b1a9dbac5a0fd5c0c9b7b5a"
    static let tikvGitHash = "c5bbf5fa8e9e2d4cb4ce2fa8a4b0e1ed2c5a1f6e"

    // MARK: Stores (§1.2)

    /// `StoreInfo` = `{"store": MetaStore, "status": StoreStatus}` (`pkg/response/store.go`).
    func storeInfoJSON(_ index: Int, summary: ClusterSummary) -> GoJSON {
        let store = stores[index]
        let time = summary.time
        let heartbeat = lastHeartbeat(ofStore: index, at: time)

        // metapb.Store fields in proto order, zero values omitted: `state` is absent for Up (0),
        // `labels` absent with none, `physically_destroyed` absent when false.
        var meta = GoObject()
        meta.add("id", store.id)
        meta.add("address", "tikv\(store.id).simulator.invalid:20160")
        meta.add("version", configuration.tikvVersion)
        meta.add("peer_address", "tikv\(store.id).simulator.invalid:20160")
        meta.add("status_address", statusAddress(ofStore: index))
        meta.add("git_hash", ClusterModel.tikvGitHash)
        meta.add("start_timestamp", store.processStart.wholeSeconds)
        meta.add("deploy_path", "/")
        meta.add("last_heartbeat", heartbeat.nanoseconds)
        meta.add("node_state", 1)  // NodeState Serving
        meta.add("state_name", stateName(ofStore: index, at: time).rawValue)

        let capacity = store.capacityBytes
        let available = availableBytes(ofStore: index, summary: summary)
        let used = usedBytes(ofStore: index, summary: summary)
        var status = GoObject()
        status.add("capacity", GoFormat.byteSize(capacity))
        status.add("available", GoFormat.byteSize(available))
        status.add("used_size", GoFormat.byteSize(used))
        status.add("leader_count", summary.leaderCount[index])
        status.add("leader_weight", 1.0)
        status.add("leader_score", Double(summary.leaderCount[index]))
        status.add("leader_size", summary.leaderSizeMiB[index])
        status.add("region_count", summary.regionCount[index])
        status.add("region_weight", 1.0)
        status.add("region_score", regionScore(index, summary: summary, available: available))
        status.add("region_size", summary.regionSizeMiB[index])
        status.add("pending_peer_count", summary.pendingPeerCount[index], omitEmpty: true)
        status.add("slow_score", UInt64(store.slowScore(at: time).rounded()), omitEmpty: true)
        if store.networkLagSince != nil {
            // Network slow scores the store reports for its peers' stores (omitempty otherwise).
            status.add("network_slow_score", .object(stores.filter { $0.index != index }.map { (String($0.id), GoJSON.uint(60)) }))
        }
        if store.isRestarted, time < store.processStart + Physics.peerCatchUp {
            status.add("receiving_snap_count", 2)
        }
        status.add("start_ts", GoFormat.rfc3339(store.processStart))
        status.add("last_heartbeat_ts", GoFormat.rfc3339Nano(heartbeat))
        let uptime = heartbeat - store.processStart
        if uptime > .zero { status.add("uptime", GoFormat.duration(uptime)) }
        return .object([("store", meta.json), ("status", status.json)])
    }

    /// PD's region score (formula v2 simplified): region size, weighed up as free space shrinks.
    private func regionScore(_ index: Int, summary: ClusterSummary, available: Double) -> Double {
        let ratio = available / stores[index].capacityBytes
        let pressure = ratio < 0.2 ? 1 + (0.2 - ratio) * 50 : 1
        return (Double(summary.regionSizeMiB[index]) * pressure * 100).rounded() / 100
    }

    func storesJSON(_ indices: [Int], summary: ClusterSummary) -> GoJSON {
        .object([
            ("count", .int(indices.count)),
            ("stores", .array(indices.map { storeInfoJSON($0, summary: summary) })),
        ])
    }

    // MARK: Regions (§1.3)

    /// `MetaPeer`: `role_name`, `is_learner` (omitempty), then metapb.Peer `id`, `store_id`, and
    /// `role` only when not Voter (omitempty) — the simulator's peers are all voters.
    func peerJSON(region: Int, peer: CohortView.Peer) -> GoJSON {
        .object([
            ("role_name", .string("Voter")),
            ("id", .uint(layout.peerID(region: region, slot: peer.slot, replacement: peer.isReplacement))),
            ("store_id", .uint(stores[peer.storeIndex].id)),
        ])
    }

    /// `RegionInfo` as easyjson writes it (`pkg/response/region.go`), generated from the region's
    /// index and its cohort's shared state.
    func regionJSON(_ region: Int, view: CohortView, summary: ClusterSummary) -> GoJSON {
        var activities: [Int: StoreActivity] = [:]
        return regionJSON(region, view: view, summary: summary, activities: &activities)
    }

    /// `activities` memoises each leader store's load across the regions of one response.
    func regionJSON(_ region: Int, view: CohortView, summary: ClusterSummary, activities: inout [Int: StoreActivity]) -> GoJSON {
        var object = GoObject()
        object.add("id", layout.regionID(region))
        object.add("start_key", layout.startKey(region))
        object.add("end_key", layout.endKey(region))
        let hash = layout.hash(region)
        object.add("epoch", .object([
            ("conf_ver", .uint(UInt64(5 + view.confChanges))),
            ("version", .uint(UInt64(6 + hash % 90))),
        ]))
        object.add("peers", .array(view.peers.map { peerJSON(region: region, peer: $0) }))
        object.add("leader", peerJSON(region: region, peer: view.leader))
        let down = view.peers.compactMap { peer -> GoJSON? in
            guard case .down(let since) = peer.phase else { return nil }
            return .object([
                ("peer", peerJSON(region: region, peer: peer)),
                ("down_seconds", .uint(UInt64(max(0, (summary.time - since).seconds)))),
            ])
        }
        if !down.isEmpty { object.add("down_peers", .array(down)) }
        let pending = view.peers.filter(\.phase.isPending).map { peerJSON(region: region, peer: $0) }
        if !pending.isEmpty { object.add("pending_peers", .array(pending)) }
        // Flow over the last region heartbeat (~60 s), from the leader store's load.
        let leaderStore = view.leader.storeIndex
        let leaders = max(1, summary.leaderCount[leaderStore])
        let activity = activities[leaderStore] ?? activity(ofStore: leaderStore, summary: summary)
        activities[leaderStore] = activity
        let writesPerRegion = activity.writeQPS / Double(leaders) * Physics.regionHeartbeatInterval
        let readsPerRegion = (activity.totalQPS - activity.writeQPS) / Double(leaders) * Physics.regionHeartbeatInterval
        let size = layout.sizeMiB(region)
        object.add("cpu_usage", UInt64(activity.cpuCores * 1_000 / Double(leaders)))
        object.add("written_bytes", UInt64(writesPerRegion * 180))
        object.add("read_bytes", UInt64(readsPerRegion * 120))
        object.add("written_keys", UInt64(writesPerRegion))
        object.add("read_keys", UInt64(readsPerRegion))
        object.add("approximate_size", size)
        object.add("approximate_keys", layout.keys(region))
        object.add("approximate_kv_size", max(0, size - size / 16))
        object.add("approximate_columnar_kv_size", Int64(0))
        return object.json
    }

    /// `RegionsInfo` = `{"count": N, "regions": [...]}` with `count` the full count and the list
    /// capped at `regionListLimit`, lowest region ids first.
    func regionsJSON(count: Int, regions: [Int], summary: ClusterSummary) -> GoJSON {
        var activities: [Int: StoreActivity] = [:]
        let items = regions.map { regionJSON($0, view: summary.views[layout.cohort(ofRegion: $0)], summary: summary, activities: &activities) }
        return .object([("count", .int(count)), ("regions", .array(items))])
    }

    /// Region indices of the cohorts matching `predicate`, lowest first, at most `limit`, and how
    /// many regions match in all. Cost grows with `limit`, not with the region count.
    func regions(
        in summary: ClusterSummary, limit: Int, cohorts predicate: (CohortView) -> Bool,
        regionFilter: ((Int) -> Bool)? = nil, cohortCount: (Int) -> Int
    ) -> (count: Int, page: [Int]) {
        var count = 0
        var page: [Int] = []
        for view in summary.views where predicate(view) {
            count += cohortCount(view.cohort)
            var taken = 0
            var scanned = 0
            for region in layout.regionIndices(ofCohort: view.cohort) {
                if taken >= limit { break }
                scanned += 1
                // A filtered scan (empty regions are ~2 %) gives up after a bounded number of tries.
                if let regionFilter {
                    if scanned > limit * 200 { break }
                    guard regionFilter(region) else { continue }
                }
                page.append(region)
                taken += 1
            }
        }
        page.sort()
        return (count, Array(page.prefix(limit)))
    }

    /// `/stats/region` (`pkg/statistics/region.go RegionStats`); maps keyed by store id strings.
    func regionStatsJSON(summary: ClusterSummary) -> GoJSON {
        func storeMap<T: BinaryInteger>(_ values: [T]) -> GoJSON {
            .object(stores.map { (String($0.id), GoJSON.int(Int64(values[$0.index]))) })
        }
        let storageSize = layout.cohortSizeMiB.reduce(0, +)
        var object = GoObject()
        object.add("count", layout.regionCount)
        object.add("empty_count", summary.emptyRegions)
        object.add("storage_size", storageSize)
        object.add("user_storage_size", storageSize - storageSize / 16)
        object.add("user_columnar_storage_size", Int64(0))
        object.add("storage_keys", layout.cohortKeys.reduce(0, +))
        object.add("store_leader_count", storeMap(summary.leaderCount))
        object.add("store_peer_count", storeMap(summary.regionCount))
        object.add("store_leader_size", storeMap(summary.leaderSizeMiB))
        object.add("store_leader_keys", storeMap(summary.leaderKeys))
        object.add("store_peer_size", storeMap(summary.regionSizeMiB))
        object.add("store_peer_keys", storeMap(summary.regionKeys))
        return object.json
    }

    // MARK: Cluster and config (§1.4, §1.5)

    func clusterJSON() -> GoJSON {
        .object([("id", .uint(clusterID)), ("max_peer_count", .int(layout.desiredReplicas))])
    }

    func clusterStatusJSON() -> GoJSON {
        .object([
            ("raft_bootstrap_time", .string(GoFormat.rfc3339Nano(bootstrapTime))),
            ("is_initialized", .bool(true)),
            ("replication_status", .string("")),
        ])
    }

    /// `ScheduleConfig` with PD's defaults (kebab-case keys, booleans as strings).
    func scheduleConfigJSON() -> GoJSON {
        .object([
            ("max-snapshot-count", .int(64)),
            ("max-pending-peer-count", .int(64)),
            ("max-merge-region-size", .int(54)),
            ("max-merge-region-keys", .int(540_000)),
            ("split-merge-interval", .string("1h0m0s")),
            ("swap-region-split-size", .int(1)),
            ("enable-one-way-merge", .string("false")),
            ("enable-cross-table-merge", .string("true")),
            ("patrol-region-interval", .string("10ms")),
            ("max-store-down-time", .string(GoFormat.duration(maxStoreDownTime))),
            ("max-store-preparing-time", .string("48h0m0s")),
            ("leader-schedule-limit", .int(4)),
            ("leader-schedule-policy", .string("count")),
            ("region-schedule-limit", .int(2_048)),
            ("witness-schedule-limit", .int(4)),
            ("replica-schedule-limit", .int(64)),
            ("merge-schedule-limit", .int(8)),
            ("hot-region-schedule-limit", .int(4)),
            ("hot-region-cache-hits-threshold", .int(3)),
            ("default-store-limit", .object([("add-peer", .double(15)), ("remove-peer", .double(15))])),
            ("store-limit", .object(stores.map {
                (String($0.id), .object([("add-peer", .double(15)), ("remove-peer", .double(15))]))
            })),
            ("tolerant-size-ratio", .double(0)),
            ("low-space-ratio", .double(0.8)),
            ("high-space-ratio", .double(0.7)),
            ("region-score-formula-version", .string("v2")),
            ("scheduler-max-waiting-operator", .int(5)),
            ("enable-remove-down-replica", .string("true")),
            ("enable-replace-offline-replica", .string("true")),
            ("enable-make-up-replica", .string("true")),
            ("enable-remove-extra-replica", .string("true")),
            ("enable-location-replacement", .string("true")),
            ("enable-debug-metrics", .string("false")),
            ("enable-joint-consensus", .string("true")),
            ("enable-tikv-split-region", .string("true")),
            ("schedulers-v2", .array(["balance-region", "balance-leader", "evict-slow-store", "balance-hot-region"].map {
                .object([("type", .string($0)), ("args", .null), ("disable", .bool(false)), ("args-payload", .string(""))])
            })),
            ("schedulers-payload", .null),
            ("hot-regions-reserved-days", .int(7)),
            ("hot-regions-write-interval", .string("10m0s")),
            ("store-limit-version", .string("v1")),
            ("enable-witness", .string("false")),
            ("slow-store-evicting-affected-store-ratio-threshold", .double(0.3)),
            ("enable-heartbeat-breakdown-metrics", .string("true")),
            ("enable-heartbeat-concurrent-runner", .string("true")),
            ("max-movable-hot-peer-size", .int(512)),
            ("enable-diagnostic", .string("true")),
            ("halt-scheduling", .string("false")),
        ])
    }

    /// `ReplicationConfig`: `location-labels` a comma-joined string, booleans as strings.
    func replicateConfigJSON() -> GoJSON {
        .object([
            ("max-replicas", .int(layout.desiredReplicas)),
            ("location-labels", .string("")),
            ("strictly-match-label", .string("false")),
            ("enable-placement-rules", .string("true")),
            ("enable-placement-rules-cache", .string("false")),
            ("isolation-level", .string("")),
        ])
    }
}
