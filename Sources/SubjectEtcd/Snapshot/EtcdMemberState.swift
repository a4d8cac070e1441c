import Foundation
import OperatorCore

/// What one observation saw of one member.
public struct EtcdMemberState: Sendable, Codable, Equatable {
    public var id: EtcdMemberID
    /// Empty for a member added but never started.
    public var name: String
    /// The client URL it was probed on (its first advertised one); nil when it advertises none.
    public var clientURL: String?
    public var peerURLs: [String]
    public var isLearner: Bool

    /// Answered at least one request (status or health).
    public var reachable: Bool
    /// Why not, when it did not.
    public var unreachableReason: String?
    /// It did not answer because its probes ran out of budget (silent), not because it refused.
    public var timedOut: Bool
    /// Consecutive observations, this one included, in which it was silent.
    public var consecutiveSilent: Int
    /// Answers again (or passes `/health` again) within the recovery window; how it failed then: `silent`,
    /// `refused`, or `answers` for a member that answered but failed `/health` persistently.
    public var recoveringFrom: EtcdReachability?
    /// The last observation in which it did not answer, while recovering.
    public var recoveringSince: Date?
    /// The condition the observation assessed (see ``condition(alarms:disk:)``), for output.
    public var state: EtcdMemberHealth?
    public var stateReason: String?
    /// How long its slowest probe took, in seconds: bounded by the probe budget.
    public var probeSeconds: Double?
    /// `/health` verdict; nil when the health request itself failed.
    public var healthy: Bool?
    /// The health answer or error, in words.
    public var healthDetail: String?
    /// Consecutive observations, this one included, in which it was reachable but not healthy.
    public var consecutiveUnhealthy: Int
    /// First observation of the current unreachable streak.
    public var downSince: Date?

    public var status: EtcdMemberStatus?
    public var statusError: String?
    public var metrics: EtcdMemberMetrics?
    public var metricsError: String?

    public init(
        id: EtcdMemberID, name: String, clientURL: String?, peerURLs: [String] = [], isLearner: Bool = false,
        reachable: Bool, unreachableReason: String? = nil, timedOut: Bool = false, healthy: Bool?, healthDetail: String? = nil,
        consecutiveUnhealthy: Int = 0, downSince: Date? = nil, status: EtcdMemberStatus? = nil,
        statusError: String? = nil, metrics: EtcdMemberMetrics? = nil, metricsError: String? = nil
    ) {
        self.id = id
        self.name = name
        self.clientURL = clientURL
        self.peerURLs = peerURLs
        self.isLearner = isLearner
        self.reachable = reachable
        self.unreachableReason = unreachableReason
        self.timedOut = timedOut
        self.consecutiveSilent = 0
        self.healthy = healthy
        self.healthDetail = healthDetail
        self.consecutiveUnhealthy = consecutiveUnhealthy
        self.downSince = downSince
        self.status = status
        self.statusError = statusError
        self.metrics = metrics
        self.metricsError = metricsError
    }

    /// `member:<name>`, or `member:<hex id>` for a member that has no name yet.
    public var entity: Entity { Entity(kind: "member", id: name.isEmpty ? id.hex : name) }

    /// Name for messages: `e3`, or the hex id.
    public var displayName: String { name.isEmpty ? id.hex : name }

    /// The member says it has no leader: status without a leader or with etcd's "no leader" error, or
    /// `etcd_server_has_leader 0` (§A "Bonus: quorum loss").
    public var reportsNoLeader: Bool {
        if let status {
            if status.leader == nil || status.errors.contains(where: { $0.contains("no leader") }) { return true }
        }
        return metrics?.hasLeader == false
    }

    /// Reachable and `/health` says true.
    public var isHealthy: Bool { reachable && healthy == true }

    enum CodingKeys: String, CodingKey {
        case id, name
        case clientURL = "client_url"
        case peerURLs = "peer_urls"
        case isLearner = "is_learner"
        case reachable
        case unreachableReason = "unreachable_reason"
        case timedOut = "timed_out"
        case consecutiveSilent = "consecutive_silent"
        case recoveringFrom = "recovering_from"
        case recoveringSince = "recovering_since"
        case state
        case stateReason = "state_reason"
        case probeSeconds = "probe_seconds"
        case healthy
        case healthDetail = "health_detail"
        case consecutiveUnhealthy = "consecutive_unhealthy"
        case downSince = "down_since"
        case status
        case statusError = "status_error"
        case metrics
        case metricsError = "metrics_error"
    }
}

/// A member's own `maintenance/status`.
public struct EtcdMemberStatus: Sendable, Codable, Equatable {
    public var version: String?
    public var dbSizeBytes: Int64?
    public var dbSizeInUseBytes: Int64?
    public var leader: EtcdMemberID?
    public var raftTerm: UInt64?
    public var raftIndex: UInt64?
    public var raftAppliedIndex: UInt64?
    public var errors: [String]

    public init(
        version: String? = nil, dbSizeBytes: Int64? = nil, dbSizeInUseBytes: Int64? = nil, leader: EtcdMemberID?,
        raftTerm: UInt64? = nil, raftIndex: UInt64? = nil, raftAppliedIndex: UInt64? = nil, errors: [String] = []
    ) {
        self.version = version
        self.dbSizeBytes = dbSizeBytes
        self.dbSizeInUseBytes = dbSizeInUseBytes
        self.leader = leader
        self.raftTerm = raftTerm
        self.raftIndex = raftIndex
        self.raftAppliedIndex = raftAppliedIndex
        self.errors = errors
    }

    init(_ response: EtcdStatusResponse) {
        self.init(
            version: response.version, dbSizeBytes: response.dbSize, dbSizeInUseBytes: response.dbSizeInUse,
            leader: response.leader, raftTerm: response.raftTerm ?? response.header?.raftTerm,
            raftIndex: response.raftIndex, raftAppliedIndex: response.raftAppliedIndex, errors: response.errors)
    }

    enum CodingKeys: String, CodingKey {
        case version
        case dbSizeBytes = "db_size_bytes"
        case dbSizeInUseBytes = "db_size_in_use_bytes"
        case leader
        case raftTerm = "raft_term"
        case raftIndex = "raft_index"
        case raftAppliedIndex = "raft_applied_index"
        case errors
    }
}
