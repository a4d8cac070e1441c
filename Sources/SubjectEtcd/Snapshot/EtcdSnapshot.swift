import Foundation
import OperatorCore

/// One observation of an etcd cluster: the member list, each member's own view, and what Operator
/// remembers from earlier observations (streaks, the previous leader).
public struct EtcdSnapshot: SubjectSnapshot, Equatable {
    public var observedAt: Date
    /// The endpoints Operator was given.
    public var endpoints: [String]
    /// The endpoint whose member list this is.
    public var answeredBy: String
    /// Endpoints tried before it, with why they failed.
    public var endpointErrors: [String]
    public var clusterID: EtcdMemberID?
    public var version: EtcdVersionResponse?
    public var members: [EtcdMemberState]
    /// The leader the members report now, if any (it may be unreachable: followers keep following a dead
    /// leader until their election timeout, §A).
    public var leader: EtcdLeaderView?
    /// The leader before the current one (or before the cluster lost its leader), as Operator saw it.
    public var previousLeader: EtcdLeaderView?
    /// Consecutive observations, this one included, in which no reachable member reported a leader.
    public var leaderlessObservations: Int
    /// Leader changes Operator itself saw within the window (a fallback when metrics are missing).
    public var observedLeaderChanges: Int
    public var metricsSource: String
    /// Set when the metrics source as a whole failed.
    public var metricsError: String?
    /// The window counters and quantiles are taken over.
    public var windowSeconds: Double
    /// Active alarms (`maintenance/alarm`), each once however many members report it.
    public var alarms: [EtcdAlarmView]
    /// A linearizable read through the members that answer; nil when none answered.
    public var linearizableRead: EtcdReadCheck?
    /// Members listed earlier and gone from the member list, kept for the removal window.
    public var removedMembers: [EtcdRemovedMember]

    public init(
        observedAt: Date, endpoints: [String], answeredBy: String, endpointErrors: [String] = [],
        clusterID: EtcdMemberID? = nil, version: EtcdVersionResponse? = nil, members: [EtcdMemberState],
        leader: EtcdLeaderView? = nil, previousLeader: EtcdLeaderView? = nil, leaderlessObservations: Int = 0,
        observedLeaderChanges: Int = 0, metricsSource: String = "scrape", metricsError: String? = nil,
        windowSeconds: Double = 300, alarms: [EtcdAlarmView] = [], linearizableRead: EtcdReadCheck? = nil,
        removedMembers: [EtcdRemovedMember] = []
    ) {
        self.observedAt = observedAt
        self.endpoints = endpoints
        self.answeredBy = answeredBy
        self.endpointErrors = endpointErrors
        self.clusterID = clusterID
        self.version = version
        self.members = members
        self.leader = leader
        self.previousLeader = previousLeader
        self.leaderlessObservations = leaderlessObservations
        self.observedLeaderChanges = observedLeaderChanges
        self.metricsSource = metricsSource
        self.metricsError = metricsError
        self.windowSeconds = windowSeconds
        self.alarms = alarms
        self.linearizableRead = linearizableRead
        self.removedMembers = removedMembers
    }

    /// A member's condition, as stored by the observation or assessed now for a snapshot built by hand.
    public func condition(of m: EtcdMemberState, disk: EtcdDiskThresholds = EtcdDiskThresholds()) -> EtcdMemberCondition {
        var c = m.condition(alarms: alarms, disk: disk)
        if let stored = m.state {
            c.health = stored
            c.reason = m.stateReason
        }
        return c
    }

    /// The leader, only when it answers itself: followers keep naming a dead or frozen leader until their
    /// election timeout (§A), and that member does not lead anything.
    public var answeringLeader: EtcdLeaderView? { leader?.reachable == true ? leader : nil }

    /// Members that vote (learners do not count towards quorum).
    public var votingMembers: [EtcdMemberState] { members.filter { !$0.isLearner } }

    /// Votes a leader needs: a majority of the voting members.
    public var quorum: Int { votingMembers.count / 2 + 1 }

    public func member(_ id: EtcdMemberID) -> EtcdMemberState? { members.first { $0.id == id } }
    public func member(named name: String) -> EtcdMemberState? { members.first { $0.name == name } }

    /// Name for messages: the member's name if known, else the hex id.
    public func displayName(_ id: EtcdMemberID) -> String { member(id)?.displayName ?? id.hex }

    /// Whether any member has metrics in this snapshot.
    public var hasMetrics: Bool { members.contains { $0.metrics != nil } }

    public func statusLines() -> [String] {
        var lines: [String] = []
        let healthy = members.filter(\.isHealthy).count
        var head = "cluster \(clusterID?.hex ?? "?"): \(members.count) member(s), quorum \(quorum), \(healthy) healthy"
        if let leader {
            head += ", leader \(leader.name ?? leader.id.hex)"
            if let term = leader.term { head += " (term \(term))" }
            if !leader.reachable { head += " — unreachable" }
        } else {
            head += ", no leader"
        }
        lines.append(head)
        if let version { lines.append("version: server \(version.server), cluster \(version.cluster)") }
        for m in members {
            let c = condition(of: m)
            var line = "\(m.displayName) \(m.clientURL ?? "(no client URL)")  \(c.reachability.rawValue), \(c.health.rawValue)"
            if let reason = c.reason { line += " (\(reason))" }
            if m.reachable {
                if m.id == leader?.id { line += "  leader" } else if m.isLearner { line += "  learner" } else { line += "  follower" }
                if let s = m.status {
                    if let term = s.raftTerm { line += "  term \(term)" }
                    if let applied = s.raftAppliedIndex { line += "  applied \(applied)" }
                    if let db = s.dbSizeBytes { line += "  db \(ByteText.format(Double(db)))" }
                    if !s.errors.isEmpty { line += "  errors: \(s.errors.joined(separator: "; "))" }
                }
                if let p99 = m.metrics?.walFsyncP99Seconds, p99.isFinite {
                    line += "  fsync p99 \(DurationText.format(seconds: p99))"
                }
            }
            lines.append(line)
        }
        for a in alarms { lines.append("alarm: \(a)") }
        for r in removedMembers {
            lines.append("\(r.displayName) removed from the member list (last listed \(Timestamp.format(r.lastListed)))")
        }
        if let read = linearizableRead {
            lines.append("linearizable read: \(read.succeeded ? "served" : "failed") (\(read.answers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")))")
        }
        if let metricsError { lines.append("metrics (\(metricsSource)): \(metricsError)") }
        return lines
    }

    enum CodingKeys: String, CodingKey {
        case observedAt = "observed_at"
        case endpoints
        case answeredBy = "answered_by"
        case endpointErrors = "endpoint_errors"
        case clusterID = "cluster_id"
        case version, members, leader
        case previousLeader = "previous_leader"
        case leaderlessObservations = "leaderless_observations"
        case observedLeaderChanges = "observed_leader_changes"
        case metricsSource = "metrics_source"
        case metricsError = "metrics_error"
        case windowSeconds = "window_seconds"
        case alarms
        case linearizableRead = "linearizable_read"
        case removedMembers = "removed_members"
    }
}

/// A leader as members report it.
public struct EtcdLeaderView: Sendable, Codable, Equatable {
    public var id: EtcdMemberID
    public var name: String?
    public var term: UInt64?
    /// Whether the leader itself answered this observation.
    public var reachable: Bool
    /// When Operator first saw this member lead.
    public var since: Date?
    /// For a previous leader: when Operator saw it stop leading.
    public var until: Date?

    public init(id: EtcdMemberID, name: String?, term: UInt64?, reachable: Bool, since: Date? = nil, until: Date? = nil) {
        self.id = id
        self.name = name
        self.term = term
        self.reachable = reachable
        self.since = since
        self.until = until
    }
}

/// Byte counts for people: `20 KB`, `1.5 GiB`.
enum ByteText {
    static func format(_ bytes: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = bytes
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(NumberText.integer(value)) B" }  // also NaN and negatives: never a trap
        return String(format: value < 10 ? "%.1f" : "%.0f", value) + " " + units[unit]
    }
}
