import Foundation
import OperatorCore

/// What one observation of a TiKV cluster saw: PD members, stores (PD's view plus their metrics), region
/// health counts, and what could not be read. Parts that failed carry an error instead of data, so each
/// invariant can tell "healthy" from "unknown".
public struct TiKVSnapshot: SubjectSnapshot, Hashable, Codable {
    public var observedAt: Date
    /// The PD endpoint that answered.
    public var pdEndpoint: String?
    /// uint64 written as a string: JSON readers lose precision past 2^53.
    public var clusterID: String?
    public var pd: PDView
    public var stores: [StoreView]
    /// Why `/stores` could not be read; then `stores` is empty and store invariants have no verdict.
    public var storesError: String?
    public var regions: RegionHealth?
    public var regionsError: String?
    /// `prometheus` or `direct`.
    public var metricsSource: String
    /// Why no store has metrics (Prometheus down).
    public var metricsError: String?
    public var maxStoreDownTimeSeconds: Double?
    public var maxReplicas: Int?
    /// Partial failures worth a line in `status`.
    public var notes: [String]

    public init(
        observedAt: Date, pdEndpoint: String? = nil, clusterID: String? = nil, pd: PDView = PDView(),
        stores: [StoreView] = [], storesError: String? = nil, regions: RegionHealth? = nil, regionsError: String? = nil,
        metricsSource: String = "direct", metricsError: String? = nil, maxStoreDownTimeSeconds: Double? = nil,
        maxReplicas: Int? = nil, notes: [String] = []
    ) {
        self.observedAt = observedAt
        self.pdEndpoint = pdEndpoint
        self.clusterID = clusterID
        self.pd = pd
        self.stores = stores
        self.storesError = storesError
        self.regions = regions
        self.regionsError = regionsError
        self.metricsSource = metricsSource
        self.metricsError = metricsError
        self.maxStoreDownTimeSeconds = maxStoreDownTimeSeconds
        self.maxReplicas = maxReplicas
        self.notes = notes
    }

    public func store(_ id: UInt64) -> StoreView? { stores.first { $0.id == id } }

    /// Restarts of one store, and moves of PD's leadership, are counted over this span (`TiKV_node_restart` looks at 5 minutes; a loop shows
    /// as several restarts in a few).
    public static let restartWindowSeconds: Double = 600

    public func store(for entity: Entity) -> StoreView? {
        guard entity.kind == "store", let id = entity.id.flatMap(UInt64.init) else { return nil }
        return store(id)
    }

    /// TiKV stores that take client traffic: Up (not Disconnected/Down/Offline/Tombstone), not TiFlash.
    public var servingStores: [StoreView] {
        stores.filter { $0.stateName == "Up" && !$0.isTiFlash }
    }

    enum CodingKeys: String, CodingKey {
        case observedAt = "observed_at"
        case pdEndpoint = "pd_endpoint"
        case clusterID = "cluster_id"
        case pd, stores
        case storesError = "stores_error"
        case regions
        case regionsError = "regions_error"
        case metricsSource = "metrics_source"
        case metricsError = "metrics_error"
        case maxStoreDownTimeSeconds = "max_store_down_time_seconds"
        case maxReplicas = "max_replicas"
        case notes
    }
}

/// PD's membership and health.
public struct PDView: Sendable, Hashable, Codable {
    public var members: [PDMemberView]
    /// Name of the current PD leader; `nil` while none is elected (or `/members` failed).
    public var leader: String?
    /// The leader seen before the current one (or before there was none), if it changed while watched.
    public var previousLeader: String?
    public var membersError: String?
    public var healthError: String?
    /// Times the leadership moved to another member within ``TiKVSnapshot/restartWindowSeconds``, as this
    /// subject saw it between observations (`nil` before it has two), and the members it moved to, in order.
    public var recentLeaderChanges: Int?
    public var recentLeaders: [String]?

    public init(
        members: [PDMemberView] = [], leader: String? = nil, previousLeader: String? = nil,
        membersError: String? = nil, healthError: String? = nil
    ) {
        self.members = members
        self.leader = leader
        self.previousLeader = previousLeader
        self.membersError = membersError
        self.healthError = healthError
    }

    public func member(named name: String) -> PDMemberView? { members.first { $0.name == name } }

    enum CodingKeys: String, CodingKey {
        case members, leader
        case previousLeader = "previous_leader"
        case membersError = "members_error"
        case healthError = "health_error"
        case recentLeaderChanges = "recent_leader_changes"
        case recentLeaders = "recent_leaders"
    }
}

public struct PDMemberView: Sendable, Hashable, Codable {
    public var name: String
    /// uint64 as a string.
    public var memberID: String
    public var clientURLs: [String]
    /// From `/health`: answered `/ping` within 3 s. `nil` when `/health` failed.
    public var healthy: Bool?
    public var isLeader: Bool

    public init(name: String, memberID: String, clientURLs: [String], healthy: Bool?, isLeader: Bool) {
        self.name = name
        self.memberID = memberID
        self.clientURLs = clientURLs
        self.healthy = healthy
        self.isLeader = isLeader
    }

    public var entity: Entity { Entity(kind: "pd", id: name) }

    enum CodingKeys: String, CodingKey {
        case name
        case memberID = "member_id"
        case clientURLs = "client_urls"
        case healthy
        case isLeader = "is_leader"
    }
}

/// One store: PD's record of it, whether its status server answers, and its metrics.
public struct StoreView: Sendable, Hashable, Codable {
    public var id: UInt64
    public var address: String?
    public var statusAddress: String?
    /// PD's `state_name`: Up, Disconnected, Down, Offline, Tombstone.
    public var stateName: String
    /// Preparing, Serving, Removing, Removed.
    public var nodeState: String
    public var isTiFlash: Bool
    public var labels: [String: String]
    public var version: String?
    /// From PD's store status.
    public var capacityBytes: Double?
    public var availableBytes: Double?
    public var leaderCount: Int?
    public var regionCount: Int?
    public var leaderWeight: Double?
    public var pdSlowScore: Double?
    /// PD's `is_busy` (the store reported itself busy in its heartbeat).
    public var isBusy: Bool?
    public var lastHeartbeat: Date?
    /// Seconds between the last heartbeat PD received and the observation.
    public var heartbeatAgeSeconds: Double?
    public var uptimeSeconds: Double?
    /// Whether the status server answered this tick; `nil` when not asked or no status address.
    public var statusReachable: Bool?
    public var statusError: String?
    public var metrics: StoreMetrics?
    /// Why metrics are missing or partial.
    public var metricsError: String?
    /// Times this subject saw the store's process start again (`process_start_time_seconds` moved, or PD's
    /// uptime fell back) within ``TiKVSnapshot/restartWindowSeconds``; `nil` until it has two observations.
    public var recentRestarts: Int?

    public init(id: UInt64, stateName: String = "Up", nodeState: String = "Serving") {
        self.id = id
        self.stateName = stateName
        self.nodeState = nodeState
        self.isTiFlash = false
        self.labels = [:]
    }

    public var entity: Entity { Entity(kind: "store", id: String(id)) }

    /// PD no longer hears from it (Disconnected after 20 s, Down after max-store-down-time).
    public var isDisconnectedOrDown: Bool { stateName == "Disconnected" || stateName == "Down" }

    /// Free-space ratio as TiKV_low_space computes it (`tikv_store_size_bytes`), else from PD's status.
    public var availableRatio: Double? {
        if let r = metrics?.availableRatio { return r }
        guard let a = availableBytes, let c = capacityBytes, c > 0 else { return nil }
        return a / c
    }

    /// PD's slow_score when PD reports one, else the store's own `tikv_raftstore_slow_score`.
    public var slowScore: Double? { pdSlowScore ?? metrics?.slowScore }

    /// Leaders: PD's count, else the store's own metric.
    public var leaders: Double? { leaderCount.map(Double.init) ?? metrics?.leaderCount }

    public var displayName: String { "store \(id)" + (address.map { " (\($0))" } ?? "") }

    enum CodingKeys: String, CodingKey {
        case id, address
        case statusAddress = "status_address"
        case stateName = "state_name"
        case nodeState = "node_state"
        case isTiFlash = "is_tiflash"
        case labels, version
        case capacityBytes = "capacity_bytes"
        case availableBytes = "available_bytes"
        case leaderCount = "leader_count"
        case regionCount = "region_count"
        case leaderWeight = "leader_weight"
        case pdSlowScore = "pd_slow_score"
        case isBusy = "is_busy"
        case lastHeartbeat = "last_heartbeat"
        case heartbeatAgeSeconds = "heartbeat_age_seconds"
        case uptimeSeconds = "uptime_seconds"
        case statusReachable = "status_reachable"
        case statusError = "status_error"
        case metrics
        case metricsError = "metrics_error"
        case recentRestarts = "recent_restarts"
    }
}

/// Region health counts from PD: `/pd/api/v1/regions/check/<state>` counts, cross-checked against
/// `sum(pd_regions_status) by (type)` when a Prometheus is configured; `/regions/count` for the total.
public struct RegionHealth: Sendable, Hashable, Codable {
    public var total: Int?
    /// By check state (`down-peer`, ...): `/regions/check` counts, or the metric's where those failed.
    public var counts: [String: Int]
    /// Where the counts came from (`http://pd:2379/pd/api/v1/regions/check`).
    public var source: String
    /// Seconds since a count was read, for counts remembered from an earlier tick (large counts and
    /// clusters with a store not Up are read every 30 s).
    public var ageSeconds: [String: Double]?
    /// `sum(pd_regions_status) by (type)` from Prometheus, by check state, when configured and answering.
    public var metricCounts: [String: Int]?
    /// States whose count comes from the metric because `/regions/check` could not be read.
    public var fromMetric: [String]?
    /// Where `/regions/check` and the metric disagree, in words (`/regions/check` is preferred).
    public var disagreements: [String]?

    public init(total: Int?, counts: [String: Int], source: String) {
        self.total = total
        self.counts = counts
        self.source = source
    }

    enum CodingKeys: String, CodingKey {
        case total, counts, source
        case ageSeconds = "age_seconds"
        case metricCounts = "metric_counts"
        case fromMetric = "from_metric"
        case disagreements
    }

    /// What a state's count was read from, for evidence.
    public func source(of check: PDRegionCheck) -> String {
        if fromMetric?.contains(check.rawValue) == true {
            return "sum(pd_regions_status{type=\"\(check.metricType)\"})"
        }
        return source + "/" + check.rawValue
    }

    public func count(_ check: PDRegionCheck) -> Int? { counts[check.rawValue] }

    /// The checks that mean data has fewer healthy replicas than configured.
    public static let degradingChecks: [PDRegionCheck] = [.missPeer, .downPeer, .pendingPeer, .offlinePeer]

    public var degraded: [PDRegionCheck: Int] {
        var out: [PDRegionCheck: Int] = [:]
        for c in Self.degradingChecks { if let n = counts[c.rawValue], n > 0 { out[c] = n } }
        return out
    }
}
