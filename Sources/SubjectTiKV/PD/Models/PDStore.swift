import Foundation

/// One element of `GET /pd/api/v1/stores`: `{"store": MetaStore, "status": StoreStatus}`
/// (tikv-interfaces.md §1.2).
public struct PDStoreInfo: Sendable, Hashable, Codable {
    public var store: PDStore
    public var status: PDStoreStatus

    public init(store: PDStore, status: PDStoreStatus) {
        self.store = store
        self.status = status
    }
}

/// `GET /pd/api/v1/stores` and `/stores/check?state=…`.
public struct PDStores: Sendable, Hashable, Codable {
    public var count: Int
    public var stores: [PDStoreInfo]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        stores = try c.decodeIfPresent([PDStoreInfo].self, forKey: .stores) ?? []
        count = try c.decodeIfPresent(Int.self, forKey: .count) ?? stores.count
    }

    enum CodingKeys: String, CodingKey { case count, stores }
}

/// kvproto `metapb.Store` plus PD's `state_name`. Zero values are absent (Go `omitempty`): no `state` means
/// Up, no `node_state` means Preparing.
public struct PDStore: Sendable, Hashable, Codable {
    public var rawID: PDUInt64
    public var address: String?
    /// StoreState integer: 0 Up, 1 Offline, 2 Tombstone. Absent = 0.
    public var stateRaw: Int?
    public var labels: [PDStoreLabel]?
    public var version: String?
    public var peerAddress: String?
    /// HTTP status address (`tikv1:20180`); empty or absent when TiKV ran without `--advertise-status-addr`.
    public var statusAddress: String?
    public var gitHash: String?
    /// Unix seconds.
    public var startTimestamp: Int64?
    public var deployPath: String?
    /// Unix nanoseconds.
    public var lastHeartbeat: Int64?
    public var physicallyDestroyed: Bool?
    /// NodeState integer: 0 Preparing, 1 Serving, 2 Removing, 3 Removed. Absent = 0.
    public var nodeStateRaw: Int?
    /// `Up`, `Offline`, `Tombstone`, or PD's derived `Disconnected` / `Down`.
    public var stateName: String?

    enum CodingKeys: String, CodingKey {
        case rawID = "id"
        case address
        case stateRaw = "state"
        case labels, version
        case peerAddress = "peer_address"
        case statusAddress = "status_address"
        case gitHash = "git_hash"
        case startTimestamp = "start_timestamp"
        case deployPath = "deploy_path"
        case lastHeartbeat = "last_heartbeat"
        case physicallyDestroyed = "physically_destroyed"
        case nodeStateRaw = "node_state"
        case stateName = "state_name"
    }

    public init(id: UInt64, address: String? = nil, statusAddress: String? = nil, stateName: String? = "Up") {
        self.rawID = PDUInt64(id)
        self.address = address
        self.statusAddress = statusAddress
        self.stateName = stateName
    }

    public var id: UInt64 { rawID.value }

    public var state: PDStoreState { PDStoreState(raw: stateRaw ?? 0) }
    public var nodeState: PDNodeState { PDNodeState(raw: nodeStateRaw ?? 0) }

    /// `state_name`, falling back to the integer state's name when PD left it out.
    public var effectiveStateName: String { stateName.flatMap { $0.isEmpty ? nil : $0 } ?? state.name }

    public var labelMap: [String: String] {
        Dictionary((labels ?? []).map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    /// TiFlash stores carry `engine=tiflash` and hold learners only, never leaders.
    public var isTiFlash: Bool { labelMap["engine"] == "tiflash" }

    public var lastHeartbeatDate: Date? {
        lastHeartbeat.map { Date(timeIntervalSince1970: Double($0) / 1e9) }
    }
}

public struct PDStoreLabel: Sendable, Hashable, Codable {
    public var key: String
    public var value: String
}

/// `metapb.StoreState`.
public enum PDStoreState: Sendable, Hashable {
    case up, offline, tombstone
    case unknown(Int)

    init(raw: Int) {
        switch raw {
        case 0: self = .up
        case 1: self = .offline
        case 2: self = .tombstone
        default: self = .unknown(raw)
        }
    }

    public var name: String {
        switch self {
        case .up: "Up"
        case .offline: "Offline"
        case .tombstone: "Tombstone"
        case .unknown(let n): "Unknown(\(n))"
        }
    }
}

/// `metapb.NodeState`.
public enum PDNodeState: Sendable, Hashable {
    case preparing, serving, removing, removed
    case unknown(Int)

    init(raw: Int) {
        switch raw {
        case 0: self = .preparing
        case 1: self = .serving
        case 2: self = .removing
        case 3: self = .removed
        default: self = .unknown(raw)
        }
    }

    public var name: String {
        switch self {
        case .preparing: "Preparing"
        case .serving: "Serving"
        case .removing: "Removing"
        case .removed: "Removed"
        case .unknown(let n): "Unknown(\(n))"
        }
    }
}

/// PD's `StoreStatus` (tikv-interfaces.md §1.2). Most fields are `omitempty`.
public struct PDStoreStatus: Sendable, Hashable, Codable {
    public var capacity: ByteSize?
    public var available: ByteSize?
    public var usedSize: ByteSize?
    public var leaderCount: Int?
    public var leaderWeight: Double?
    public var leaderScore: Double?
    /// MiB.
    public var leaderSize: Int64?
    public var regionCount: Int?
    public var regionWeight: Double?
    public var regionScore: Double?
    /// MiB.
    public var regionSize: Int64?
    public var learnerCount: Int?
    public var witnessCount: Int?
    public var pendingPeerCount: Int?
    /// 1 healthy … 100; ≥ 80 is slow (`slowStoreThreshold`).
    public var slowScore: PDUInt64?
    /// store id (as a JSON string key) → score.
    public var networkSlowScore: [String: PDUInt64]?
    public var slowTrend: SlowTrend?
    public var sendingSnapCount: UInt32?
    public var receivingSnapCount: UInt32?
    public var isBusy: Bool?
    public var startTS: PDTime?
    public var lastHeartbeatTS: PDTime?
    public var uptime: GoDuration?
    public var pauseLeaderTransferIn: Bool?
    public var pauseLeaderTransferOut: Bool?

    public struct SlowTrend: Sendable, Hashable, Codable {
        public var causeValue: Double?
        public var causeRate: Double?
        public var resultValue: Double?
        public var resultRate: Double?

        enum CodingKeys: String, CodingKey {
            case causeValue = "cause_value"
            case causeRate = "cause_rate"
            case resultValue = "result_value"
            case resultRate = "result_rate"
        }
    }

    public init() {}

    enum CodingKeys: String, CodingKey {
        case capacity, available
        case usedSize = "used_size"
        case leaderCount = "leader_count"
        case leaderWeight = "leader_weight"
        case leaderScore = "leader_score"
        case leaderSize = "leader_size"
        case regionCount = "region_count"
        case regionWeight = "region_weight"
        case regionScore = "region_score"
        case regionSize = "region_size"
        case learnerCount = "learner_count"
        case witnessCount = "witness_count"
        case pendingPeerCount = "pending_peer_count"
        case slowScore = "slow_score"
        case networkSlowScore = "network_slow_score"
        case slowTrend = "slow_trend"
        case sendingSnapCount = "sending_snap_count"
        case receivingSnapCount = "receiving_snap_count"
        case isBusy = "is_busy"
        case startTS = "start_ts"
        case lastHeartbeatTS = "last_heartbeat_ts"
        case uptime
        case pauseLeaderTransferIn = "pause_leader_transfer_in"
        case pauseLeaderTransferOut = "pause_leader_transfer_out"
    }
}
