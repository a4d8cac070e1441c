/// Bodies of the simulator's control endpoint (`/simulator/v1/…` on the first PD member's port).
/// Not part of PD's API: it exists so tests and `operator simulate` can drive a running simulator.
public enum SimulatorControl {
    public static let pathPrefix = "/simulator/v1"
}

public struct SimulatorFaultRequest: Codable, Sendable, Equatable {
    public var kind: String
    public var entity: String

    public init(kind: String, entity: String) {
        self.kind = kind
        self.entity = entity
    }
}

public struct SimulatorLoadRequest: Codable, Sendable, Equatable {
    public var qps: Double

    public init(qps: Double) { self.qps = qps }
}

public struct SimulatorClockRequest: Codable, Sendable, Equatable {
    /// PD seconds to jump forward.
    public var seconds: Double

    public init(seconds: Double) { self.seconds = seconds }
}

public struct SimulatorErrorBody: Codable, Sendable, Equatable {
    public var error: String

    public init(error: String) { self.error = error }
}

/// Where the running simulator listens.
public struct TiKVSimulatorEndpoints: Codable, Sendable, Equatable {
    public struct Store: Codable, Sendable, Equatable {
        public var id: UInt64
        public var statusURL: String

        enum CodingKeys: String, CodingKey {
            case id
            case statusURL = "status_url"
        }
    }

    /// One URL per PD member, each serving PD's HTTP API; the first also serves the control endpoint.
    public var pdURLs: [String]
    public var stores: [Store]
    public var controlURL: String
    public var logDirectory: String?

    enum CodingKeys: String, CodingKey {
        case pdURLs = "pd_urls"
        case stores
        case controlURL = "control_url"
        case logDirectory = "log_directory"
    }
}

/// The simulator's state as `operator simulate status` shows it.
public struct SimulatorStateReport: Codable, Sendable, Equatable {
    public struct PDMember: Codable, Sendable, Equatable {
        public var name: String
        public var memberID: UInt64
        public var clientURL: String
        public var up: Bool
        public var leader: Bool

        enum CodingKeys: String, CodingKey {
            case name
            case memberID = "member_id"
            case clientURL = "client_url"
            case up
            case leader
        }
    }

    public struct Store: Codable, Sendable, Equatable {
        public var id: UInt64
        public var statusURL: String
        public var processUp: Bool
        public var stateName: String
        public var regionCount: Int
        public var leaderCount: Int
        public var availableRatio: Double
        public var slowScore: Double

        enum CodingKeys: String, CodingKey {
            case id
            case statusURL = "status_url"
            case processUp = "process_up"
            case stateName = "state_name"
            case regionCount = "region_count"
            case leaderCount = "leader_count"
            case availableRatio = "available_ratio"
            case slowScore = "slow_score"
        }
    }

    public var pdTime: String
    public var timeScale: Double
    public var qps: Double
    public var regions: Int
    public var pdLeader: String?
    public var pdMembers: [PDMember]
    public var stores: [Store]
    /// PD's region check counts: `miss-peer`, `down-peer`, `pending-peer`, `empty-region`.
    public var regionChecks: [String: Int]
    public var faults: [SimulatedFault]
    public var knownFaultKinds: [String]
    /// Requests per path across PD members (e.g. `/pd/api/v1/regions`); stores' under `store:<path>`.
    public var requestCounts: [String: Int]
    /// Body bytes sent per path (compressed bytes when gzipped); store status servers' under `store:<path>`.
    public var requestBytes: [String: Int]?

    enum CodingKeys: String, CodingKey {
        case pdTime = "pd_time"
        case timeScale = "time_scale"
        case qps
        case regions
        case pdLeader = "pd_leader"
        case pdMembers = "pd_members"
        case stores
        case regionChecks = "region_checks"
        case faults
        case knownFaultKinds = "known_fault_kinds"
        case requestCounts = "request_counts"
        case requestBytes = "request_bytes"
    }
}
