/// The etcd log event catalogue: what `EtcdLogParser` recognises, by stable kind name.
///
/// Kind names are part of the output (`operator logs parse --kind`, diagnosis rules, stored contexts):
/// never rename one. The README in this folder lists the zap and capnslog messages each kind matches
/// (etcd-prometheus-observed.md §A for the lines seen on this machine).
public enum EtcdLogEventKind: String, CaseIterable, Sendable, Codable {
    // Elections (raft).
    case electionStarted = "election-started"
    case becameLeader = "became-leader"
    case becameFollower = "became-follower"
    case becameCandidate = "became-candidate"
    case becamePreCandidate = "became-pre-candidate"
    /// A member learned who the leader is (`raft.node: A elected leader B at term N`).
    case leaderElected = "leader-elected"
    /// A member lost its leader (`raft.node: A lost leader B at term N`).
    case leaderLost = "leader-lost"
    case voteWithHigherTerm = "vote-higher-term"
    case votesReceived = "votes-received"
    /// The leader stepped down because it no longer hears from a quorum.
    case quorumLost = "quorum-lost"

    /// A deliberate hand-over began (`etcdctl move-leader`): zap `leadership transfer starting`.
    case leaderTransferStarted = "leader-transfer-started"
    /// The hand-over finished: zap `leadership transfer finished` (with `took`).
    case leaderTransferFinished = "leader-transfer-finished"
    /// A member was told to campaign by the leader handing over (`received MsgTimeoutNow from <id>`).
    case leaderTransferReceived = "leader-transfer-received"

    // Alarms (etcdserver).
    /// `alarm raised` (`alarm`, `from` = the raising member's hex id).
    case alarmRaised = "alarm-raised"
    /// `message exceeded backend quota; raising alarm`: this member's database passed its quota.
    case quotaExceeded = "quota-exceeded"

    // Peers lost and regained (rafthttp, etcdserver).
    case peerStreamLost = "peer-stream-lost"
    case peerInactive = "peer-inactive"
    case peerActive = "peer-active"
    case peerStreamEstablished = "peer-stream-established"
    case peerUnreachable = "peer-unreachable"
    case peerUnhealthy = "peer-unhealthy"

    // Slow work.
    case slowApply = "slow-apply"
    case slowFdatasync = "slow-fdatasync"
    case heartbeatLate = "heartbeat-late"
    /// Any other warning that something took too long, with its duration.
    case slowOperation = "slow-operation"

    // Health endpoint.
    case healthError = "health-error"
}
