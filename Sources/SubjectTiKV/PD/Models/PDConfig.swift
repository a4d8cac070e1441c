/// The fields of `GET /pd/api/v1/config/schedule` the subject uses (kebab-case keys, durations as Go
/// strings, booleans as strings; tikv-interfaces.md §1.5). Unknown keys are ignored.
public struct PDScheduleConfig: Sendable, Hashable, Codable {
    /// Default 30m: a Disconnected store becomes Down after this.
    public var maxStoreDownTime: GoDuration?
    public var maxStorePreparingTime: GoDuration?
    public var leaderScheduleLimit: Int?
    public var regionScheduleLimit: Int?
    public var replicaScheduleLimit: Int?
    /// Default 0.8: PD counts a store as low on space above this used ratio.
    public var lowSpaceRatio: Double?
    public var highSpaceRatio: Double?
    public var patrolRegionInterval: GoDuration?
    public var enableRemoveDownReplica: StringBool?
    public var enableReplaceOfflineReplica: StringBool?
    public var enableMakeUpReplica: StringBool?
    public var haltScheduling: StringBool?

    enum CodingKeys: String, CodingKey {
        case maxStoreDownTime = "max-store-down-time"
        case maxStorePreparingTime = "max-store-preparing-time"
        case leaderScheduleLimit = "leader-schedule-limit"
        case regionScheduleLimit = "region-schedule-limit"
        case replicaScheduleLimit = "replica-schedule-limit"
        case lowSpaceRatio = "low-space-ratio"
        case highSpaceRatio = "high-space-ratio"
        case patrolRegionInterval = "patrol-region-interval"
        case enableRemoveDownReplica = "enable-remove-down-replica"
        case enableReplaceOfflineReplica = "enable-replace-offline-replica"
        case enableMakeUpReplica = "enable-make-up-replica"
        case haltScheduling = "halt-scheduling"
    }
}

/// `GET /pd/api/v1/config/replicate`: `max-replicas` lives here, not in `/config/schedule`
/// (tikv-interfaces.md §1.5). `location-labels` is one comma-joined string.
public struct PDReplicationConfig: Sendable, Hashable, Codable {
    public var maxReplicas: Int?
    public var locationLabels: String?
    public var strictlyMatchLabel: StringBool?
    public var enablePlacementRules: StringBool?
    public var enablePlacementRulesCache: StringBool?
    public var isolationLevel: String?

    public var locationLabelList: [String] {
        (locationLabels ?? "").split(separator: ",").map(String.init)
    }

    enum CodingKeys: String, CodingKey {
        case maxReplicas = "max-replicas"
        case locationLabels = "location-labels"
        case strictlyMatchLabel = "strictly-match-label"
        case enablePlacementRules = "enable-placement-rules"
        case enablePlacementRulesCache = "enable-placement-rules-cache"
        case isolationLevel = "isolation-level"
    }
}

/// `GET /pd/api/v1/cluster/status`.
public struct PDClusterStatus: Sendable, Hashable, Codable {
    public var raftBootstrapTime: PDTime?
    public var isInitialized: Bool?
    public var replicationStatus: String?

    enum CodingKeys: String, CodingKey {
        case raftBootstrapTime = "raft_bootstrap_time"
        case isInitialized = "is_initialized"
        case replicationStatus = "replication_status"
    }
}

/// `GET /pd/api/v1/cluster` (`metapb.Cluster`).
public struct PDCluster: Sendable, Hashable, Codable {
    public var id: PDUInt64?
    public var maxPeerCount: UInt32?

    enum CodingKeys: String, CodingKey {
        case id
        case maxPeerCount = "max_peer_count"
    }
}
