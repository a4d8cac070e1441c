import Foundation
import Logging
import OperatorCore
import PrometheusClient

/// Takes one observation of the cluster the way PD's own tools do (tikv-at-scale.md §2): state from PD's
/// REST API, never PD's `/metrics` (165 MB on large clusters). Every tick reads `/stores`, `/members`,
/// `/health`, `/regions/count` and the first bytes of `/regions/check/<state>` (RegionHealthReader); PD's
/// configuration at most once a minute (PDConfigCache). `/pd/api/v1/regions` is never read.
public struct TiKVObserver: Sendable {
    public let pd: PDClient
    let configuredEndpoints: [String]
    /// PD is reached over https: a TLS cluster (TiUP `enable_tls`, tidb-operator `tlsCluster`) serves its
    /// TiKV status ports over TLS too, and PD reports them as bare `host:port`.
    var secure: Bool { configuredEndpoints.first?.lowercased().hasPrefix("https://") == true }

    /// A store's status address as a URL: bare `host:port` gets the cluster's scheme.
    static func statusURL(_ address: String, secure: Bool) -> String {
        address.contains("://") || !secure ? address : "https://" + address
    }
    let metricsSource: any StoreMetricsSource
    let regionHealth: RegionHealthReader
    let config = PDConfigCache()
    let memory = ObservationMemory()
    /// Stores a liveness watch saw die: read on the next ticks whatever the scrape rotation says.
    let livenessMarks = StoreLivenessMarks()
    /// Stores below this free ratio in PD's view are flagged: their pages are read every tick.
    let lowSpaceRatio: Double
    let logger: Logger

    /// `prometheus`, when given, cross-checks the region counts against `sum(pd_regions_status) by (type)`.
    init(
        pd: PDClient, configuredEndpoints: [String], metricsSource: any StoreMetricsSource, prometheus: PrometheusAPI?,
        regionCheckSchedule: RegionCheckSchedule = RegionCheckSchedule(), lowSpaceRatio: Double = 0.2, logger: Logger
    ) {
        self.lowSpaceRatio = lowSpaceRatio
        self.pd = pd
        self.configuredEndpoints = configuredEndpoints
        self.metricsSource = metricsSource
        self.regionHealth = RegionHealthReader(pd: pd, schedule: regionCheckSchedule, prometheus: prometheus)
        self.logger = logger
    }

    public func observe() async throws -> TiKVSnapshot {
        let pd = self.pd
        async let membersResult = attempt { () async throws(PDClientError) in try await pd.get(PDAPI.members) }
        async let healthResult = attempt { () async throws(PDClientError) in try await pd.get(PDAPI.health) }
        async let storesResult = attempt { () async throws(PDClientError) in try await pd.get(PDAPI.stores) }
        async let countResult = attempt { () async throws(PDClientError) in try await pd.get(PDAPI.regionsCount) }
        async let schedule = config.maxStoreDownTime(at: Date()) { () async throws(PDClientError) in
            try await pd.get(PDAPI.scheduleConfig)
        }
        async let replicate = config.maxReplicas(at: Date()) { () async throws(PDClientError) in
            try await pd.get(PDAPI.replicationConfig)
        }
        let (members, health, stores) = await (membersResult, healthResult, storesResult)
        let observedAt = Date()

        if case .failure(let m) = members, case .failure(let h) = health, case .failure(let s) = stores {
            throw TiKVObservationError(
                endpoints: configuredEndpoints, failures: [m.description, h.description, s.description])
        }

        var snapshot = TiKVSnapshot(observedAt: observedAt, pdEndpoint: pd.currentEndpoint)
        snapshot.metricsSource = metricsSource.name

        // PD membership and health.
        switch members {
        case .success(let m):
            pd.learn(clientURLs: m.members.flatMap { $0.clientURLs ?? [] })
            snapshot.clusterID = m.header?.clusterID.map { String($0.value) }
            snapshot.pd.leader = m.leader?.name
            snapshot.pd.members = m.members.map { member in
                PDMemberView(
                    name: member.name ?? "?", memberID: member.memberID.map { String($0.value) } ?? "",
                    clientURLs: member.clientURLs ?? [], healthy: nil,
                    isLeader: member.name != nil && member.name == m.leader?.name)
            }
        case .failure(let e):
            snapshot.pd.membersError = e.description
        }
        switch health {
        case .success(let entries):
            for entry in entries {
                if let i = snapshot.pd.members.firstIndex(where: { $0.name == entry.name }) {
                    snapshot.pd.members[i].healthy = entry.health
                } else {
                    snapshot.pd.members.append(
                        PDMemberView(
                            name: entry.name, memberID: String(entry.memberID.value), clientURLs: entry.clientURLs,
                            healthy: entry.health, isLeader: false))
                }
            }
        case .failure(let e):
            snapshot.pd.healthError = e.description
        }
        let membersKnown = if case .success = members { true } else { false }
        snapshot.pd.previousLeader = await memory.recordLeader(snapshot.pd.leader, known: membersKnown)
        if membersKnown, let changes = await memory.recordLeaderChange(
            snapshot.pd.leader, at: observedAt, window: TiKVSnapshot.restartWindowSeconds)
        {
            snapshot.pd.recentLeaderChanges = changes.count
            snapshot.pd.recentLeaders = changes.leaders
        }

        // Stores as PD sees them.
        switch stores {
        case .success(let s):
            snapshot.stores = s.stores.filter { $0.store.state != .tombstone }.map { Self.view($0, at: observedAt) }
        case .failure(let e):
            snapshot.storesError = e.description
        }

        // Store metrics and region health, concurrently.
        let targets = snapshot.stores.compactMap { s -> StoreMetricsTarget? in
            guard !s.isTiFlash, let address = s.statusAddress, !address.isEmpty else { return nil }
            return StoreMetricsTarget(
                storeID: s.id, statusAddress: Self.statusURL(address, secure: secure),
                flag: livenessMarks.flag(store: s.id) ?? StoreScrapeRotation.flag(s, lowSpaceRatio: lowSpaceRatio))
        }
        let total: Int?
        switch await countResult {
        case .success(let c): total = c.count
        case .failure(let e):
            total = nil
            snapshot.notes.append("region count unavailable: \(e)")
        }
        let storesKnown = if case .success = stores { true } else { false }
        let everyStoreUp = storesKnown && snapshot.stores.allSatisfy { $0.stateName == "Up" }
        async let reading = metricsSource.read(targets)
        async let regionReading = regionHealth.read(total: total, everyStoreUp: everyStoreUp, at: observedAt)
        let (metrics, (regions, regionNotes)) = await (reading, regionReading)
        apply(metrics, to: &snapshot)
        let restarts = await memory.recordStarts(
            snapshot.stores.map { ($0.id, $0.metrics?.processStartTimeSeconds, $0.uptimeSeconds) }, at: observedAt,
            window: TiKVSnapshot.restartWindowSeconds)
        for i in snapshot.stores.indices { snapshot.stores[i].recentRestarts = restarts[snapshot.stores[i].id] }
        switch regions {
        case .success(let health): snapshot.regions = health
        case .failure(let e): snapshot.regionsError = "\(e)"
        }
        snapshot.notes += regionNotes

        let (downTime, scheduleNote) = await schedule
        snapshot.maxStoreDownTimeSeconds = downTime
        let (replicas, replicateNote) = await replicate
        snapshot.maxReplicas = replicas
        snapshot.notes += [scheduleNote, replicateNote].compactMap { $0 }
        snapshot.pdEndpoint = pd.currentEndpoint
        return snapshot
    }

    /// `pd_regions_status` values by check state (from Prometheus). A NaN, infinite, negative or enormous value is not a
    /// region count: it fails the whole reading rather than trapping or passing as zero.
    static func regionCounts(_ byType: [LabelSet: Double], source: String) -> Result<[String: Int], MalformedValue> {
        var counts: [String: Int] = [:]
        for check in PDRegionCheck.allCases {
            guard let v = byType[["type": check.metricType]] else { continue }
            do throws(MalformedValue) {
                counts[check.rawValue] = try MalformedValue.count(
                    v, field: "pd_regions_status{type=\"\(check.metricType)\"}", expected: "a region count")
            } catch {
                return .failure(error)
            }
        }
        return .success(counts)
    }

    private func apply(_ reading: StoreMetricsReading, to snapshot: inout TiKVSnapshot) {
        snapshot.metricsError = reading.sourceError
        snapshot.notes += reading.notes
        for i in snapshot.stores.indices {
            let id = snapshot.stores[i].id
            snapshot.stores[i].metrics = reading.metrics[id]
            for problem in reading.metrics[id]?.malformed ?? [] { snapshot.notes.append("store \(id): \(problem)") }
            snapshot.stores[i].metricsError = reading.errors[id] ?? (reading.sourceError.map { "metrics source: \($0)" })
            snapshot.stores[i].statusReachable = reading.statusReachable[id]
            snapshot.stores[i].statusError = reading.statusErrors[id]
            if !snapshot.stores[i].isTiFlash, (snapshot.stores[i].statusAddress ?? "").isEmpty {
                snapshot.stores[i].metricsError =
                    "PD reports no status_address for store \(id) (start TiKV with --advertise-status-addr)"
            }
        }
    }

    /// How one PD store entry becomes a snapshot store; public for the fuzz targets (`Fuzz/`).
    public static func view(_ info: PDStoreInfo, at now: Date) -> StoreView {
        var v = StoreView(id: info.store.id, stateName: info.store.effectiveStateName, nodeState: info.store.nodeState.name)
        v.address = info.store.address
        v.statusAddress = info.store.statusAddress
        v.isTiFlash = info.store.isTiFlash
        v.labels = info.store.labelMap
        v.version = info.store.version
        v.capacityBytes = info.status.capacity?.bytes
        v.availableBytes = info.status.available?.bytes
        v.leaderCount = info.status.leaderCount ?? (info.store.isTiFlash ? nil : 0)
        v.regionCount = info.status.regionCount ?? 0
        v.leaderWeight = info.status.leaderWeight
        v.pdSlowScore = info.status.slowScore.map { Double($0.value) }
        v.isBusy = info.status.isBusy
        let heartbeat = info.status.lastHeartbeatTS?.date ?? info.store.lastHeartbeatDate
        v.lastHeartbeat = heartbeat
        // A heartbeat stamped in our future means PD's clock runs ahead of this machine's (or a
        // simulator runs time faster): its age is unknown, and "0 ms ago" beside Disconnected would mislead.
        v.heartbeatAgeSeconds = heartbeat.map { now.timeIntervalSince($0) }.flatMap { $0 >= -1 ? max(0, $0) : nil }
        v.uptimeSeconds = info.status.uptime?.seconds
        return v
    }
}

private func attempt<T: Sendable>(_ body: () async throws(PDClientError) -> T) async -> Result<T, PDClientError> {
    do { return .success(try await body()) } catch { return .failure(error) }
}

/// The subject could not see the cluster at all: neither `/members`, `/health` nor `/stores` answered.
public struct TiKVObservationError: Error, CustomStringConvertible {
    public let endpoints: [String]
    public let failures: [String]
    public var description: String {
        "cannot observe the TiKV cluster through PD (\(endpoints.joined(separator: ", "))): "
            + failures.joined(separator: "; ")
    }
}
