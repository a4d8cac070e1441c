/// `RegionsInfo`: `/regions/count` (`regions` null) and `/regions/check/{state}` (tikv-interfaces.md §1.3).
public struct PDRegionsInfo: Sendable, Hashable, Codable {
    public var count: Int
    /// Absent or null for `/regions/count`.
    public var regions: [PDRegion]?

    public init(count: Int, regions: [PDRegion]? = nil) {
        self.count = count
        self.regions = regions
    }
}

/// Only the count of a `RegionsInfo`; the region list, if any, is skipped without being modelled.
public struct PDRegionsCount: Sendable, Hashable, Codable {
    public var count: Int
}

/// PD's `RegionInfo` (`pkg/response/region.go`). Keys are upper-case hex; sizes in MiB.
public struct PDRegion: Sendable, Hashable, Codable {
    public var id: PDUInt64
    public var startKey: String?
    public var endKey: String?
    public var epoch: Epoch?
    public var peers: [PDPeer]?
    /// Present even when no leader is known (then only `role_name`).
    public var leader: PDPeer?
    public var downPeers: [DownPeer]?
    public var pendingPeers: [PDPeer]?
    public var cpuUsage: PDUInt64?
    public var writtenBytes: PDUInt64?
    public var readBytes: PDUInt64?
    public var writtenKeys: PDUInt64?
    public var readKeys: PDUInt64?
    public var approximateSize: Int64?
    public var approximateKeys: Int64?
    public var approximateKVSize: Int64?
    public var approximateColumnarKVSize: Int64?
    public var buckets: [String]?
    public var replicationStatus: ReplicationStatus?

    public struct Epoch: Sendable, Hashable, Codable {
        public var confVer: PDUInt64?
        public var version: PDUInt64?
        enum CodingKeys: String, CodingKey {
            case confVer = "conf_ver"
            case version
        }
    }

    public struct DownPeer: Sendable, Hashable, Codable {
        public var peer: PDPeer
        public var downSeconds: PDUInt64?
        enum CodingKeys: String, CodingKey {
            case peer
            case downSeconds = "down_seconds"
        }
    }

    public struct ReplicationStatus: Sendable, Hashable, Codable {
        public var state: String?
        public var stateID: PDUInt64?
        enum CodingKeys: String, CodingKey {
            case state
            case stateID = "state_id"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id
        case startKey = "start_key"
        case endKey = "end_key"
        case epoch, peers, leader
        case downPeers = "down_peers"
        case pendingPeers = "pending_peers"
        case cpuUsage = "cpu_usage"
        case writtenBytes = "written_bytes"
        case readBytes = "read_bytes"
        case writtenKeys = "written_keys"
        case readKeys = "read_keys"
        case approximateSize = "approximate_size"
        case approximateKeys = "approximate_keys"
        case approximateKVSize = "approximate_kv_size"
        case approximateColumnarKVSize = "approximate_columnar_kv_size"
        case buckets
        case replicationStatus = "replication_status"
    }
}

/// A region peer. `role` is absent for Voter (0); `role_name` is always written.
public struct PDPeer: Sendable, Hashable, Codable {
    public var id: PDUInt64?
    public var storeID: PDUInt64?
    public var roleName: String?
    public var roleRaw: Int?
    public var isLearner: Bool?
    public var isWitness: Bool?

    /// 0 Voter, 1 Learner, 2 IncomingVoter, 3 DemotingVoter.
    public var role: Int { roleRaw ?? 0 }

    enum CodingKeys: String, CodingKey {
        case id
        case storeID = "store_id"
        case roleName = "role_name"
        case roleRaw = "role"
        case isLearner = "is_learner"
        case isWitness = "is_witness"
    }
}

/// `GET /pd/api/v1/stats/region`. Per-store maps are keyed by store ids written as JSON strings.
public struct PDRegionStats: Sendable, Hashable, Codable {
    public var count: Int
    public var emptyCount: Int?
    /// MiB.
    public var storageSize: Int64?
    public var userStorageSize: Int64?
    public var userColumnarStorageSize: Int64?
    public var storageKeys: Int64?
    public var storeLeaderCount: [String: Int]?
    public var storePeerCount: [String: Int]?
    public var storeLeaderSize: [String: Int64]?
    public var storeLeaderKeys: [String: Int64]?
    public var storePeerSize: [String: Int64]?
    public var storePeerKeys: [String: Int64]?
    public var storeWriteBytes: [String: PDUInt64]?
    public var storeEngine: [String: String]?

    /// Leader counts by numeric store id; keys that are not ids are dropped.
    public var leaderCountByStore: [UInt64: Int] {
        Dictionary(
            (storeLeaderCount ?? [:]).compactMap { k, v in UInt64(k).map { ($0, v) } }, uniquingKeysWith: { a, _ in a })
    }

    enum CodingKeys: String, CodingKey {
        case count
        case emptyCount = "empty_count"
        case storageSize = "storage_size"
        case userStorageSize = "user_storage_size"
        case userColumnarStorageSize = "user_columnar_storage_size"
        case storageKeys = "storage_keys"
        case storeLeaderCount = "store_leader_count"
        case storePeerCount = "store_peer_count"
        case storeLeaderSize = "store_leader_size"
        case storeLeaderKeys = "store_leader_keys"
        case storePeerSize = "store_peer_size"
        case storePeerKeys = "store_peer_keys"
        case storeWriteBytes = "store_write_bytes"
        case storeEngine = "store_engine"
    }
}
