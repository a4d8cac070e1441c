import Foundation
import OperatorCore

/// Whether a member answers its client URL at all, and if not, how it fails to.
///
/// The two ways of not answering mean different faults: a refused connection means nothing listens (the
/// process is gone), silence within the probe budget means something accepted the connection and never
/// answered (a process frozen by SIGSTOP, hung on a disk, or starved). Only the first is "down".
public enum EtcdReachability: String, Sendable, Codable, Equatable {
    case answers
    /// Connection refused or reset: no process listens on the client URL.
    case refused
    /// No answer within the per-member probe budget: the process is frozen or hung.
    case silent
    /// The member list names it without a client URL: added but never started.
    case notStarted = "not-started"
}

/// A member's health, with the reason it is not healthy. Separate from reachability: a member can answer
/// every request and still be unhealthy (an alarm, no leader, a slow disk).
public enum EtcdMemberHealth: String, Sendable, Codable, Equatable {
    case healthy
    /// An etcd alarm (NOSPACE, CORRUPT) is active: `/health` answers 503 on every member while it lasts.
    case alarm
    /// The member reports no leader.
    case noLeader = "no-leader"
    /// `/health` fails and WAL fsync or backend commit p99 is over its threshold on this member.
    case slowDisk = "slow-disk"
    /// No answer within the probe budget.
    case unresponsive
    /// Refuses connections or was never started.
    case down
    /// Answers again after being down or unresponsive, within the recovery window.
    case recovering
    /// `/health` fails for another reason (or could not be read), said in the reason text.
    case failing
}

/// Reachability, health and the words for why, as one observation found a member.
public struct EtcdMemberCondition: Sendable, Equatable {
    public var reachability: EtcdReachability
    public var health: EtcdMemberHealth
    public var reason: String?
}

/// The disk latencies above which a failing `/health` is blamed on the disk.
public struct EtcdDiskThresholds: Sendable, Equatable {
    public var fsyncP99Seconds: Double
    public var backendCommitP99Seconds: Double

    public init(fsyncP99Seconds: Double = 0.5, backendCommitP99Seconds: Double = 0.25) {
        self.fsyncP99Seconds = fsyncP99Seconds
        self.backendCommitP99Seconds = backendCommitP99Seconds
    }

    /// Why the disk under `m` is slow, or nil when it is not (or nothing was measured).
    func slowness(of m: EtcdMemberState) -> String? {
        var parts: [String] = []
        if let f = m.metrics?.walFsyncP99Seconds, f.isFinite, f > fsyncP99Seconds {
            parts.append("WAL fsync p99 \(DurationText.format(seconds: f)) (threshold \(DurationText.format(seconds: fsyncP99Seconds)))")
        }
        if let c = m.metrics?.backendCommitP99Seconds, c.isFinite, c > backendCommitP99Seconds {
            parts.append(
                "backend commit p99 \(DurationText.format(seconds: c)) (threshold \(DurationText.format(seconds: backendCommitP99Seconds)))")
        }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }
}

extension EtcdMemberState {
    /// How it failed to answer, or `answers`.
    public var reachability: EtcdReachability {
        if reachable { return .answers }
        if clientURL == nil { return .notStarted }
        return timedOut ? .silent : .refused
    }

    /// The member's condition in this observation. Order matters: an alarm explains a failing `/health`
    /// on every member, so it wins over the member's own symptoms; a member that just came back is
    /// recovering, whatever its first health checks say.
    public func condition(alarms: [EtcdAlarmView], disk: EtcdDiskThresholds = EtcdDiskThresholds()) -> EtcdMemberCondition {
        switch reachability {
        case .silent:
            return EtcdMemberCondition(
                reachability: .silent, health: .unresponsive,
                reason: "accepts connections but answered nothing within the probe budget: \(unreachableReason ?? "no answer")")
        case .refused:
            return EtcdMemberCondition(reachability: .refused, health: .down, reason: unreachableReason ?? "connection refused")
        case .notStarted:
            return EtcdMemberCondition(reachability: .notStarted, health: .down, reason: unreachableReason ?? "never started")
        case .answers:
            break
        }
        let recoveringText = recoveringSince.map { since in
            switch recoveringFrom {
            case .silent?: "answers again after being unresponsive (frozen or hung); last unanswered probe at \(Timestamp.format(since))"
            case .answers?: "passes /health again after failing it (cut off or slow); last failed at \(Timestamp.format(since))"
            default: "answers again after being down; last refused at \(Timestamp.format(since))"
            }
        }
        if healthy == true {
            if let recoveringText { return EtcdMemberCondition(reachability: .answers, health: .recovering, reason: recoveringText) }
            return EtcdMemberCondition(reachability: .answers, health: .healthy, reason: nil)
        }
        if !alarms.isEmpty {
            let all = alarms.map(\.description).joined(separator: ", ")
            return EtcdMemberCondition(reachability: .answers, health: .alarm, reason: "/health fails while \(all) is active")
        }
        if let recoveringText { return EtcdMemberCondition(reachability: .answers, health: .recovering, reason: recoveringText) }
        if reportsNoLeader {
            return EtcdMemberCondition(
                reachability: .answers, health: .noLeader,
                reason: status?.errors.first.map { "reports \"\($0)\"" } ?? "reports no leader")
        }
        if let slow = disk.slowness(of: self) {
            return EtcdMemberCondition(reachability: .answers, health: .slowDisk, reason: "/health fails with \(slow)")
        }
        return EtcdMemberCondition(reachability: .answers, health: .failing, reason: healthDetail ?? "/health gave no verdict")
    }
}

/// An active alarm, with the raising member's id in hex and its name when the member list has it.
public struct EtcdAlarmView: Sendable, Codable, Equatable, Hashable, CustomStringConvertible {
    public var memberID: EtcdMemberID
    /// Name of the member that raised it; nil when it is not in the member list.
    public var memberName: String?
    /// `NOSPACE`, `CORRUPT`.
    public var kind: String

    public init(memberID: EtcdMemberID, memberName: String?, kind: String) {
        self.memberID = memberID
        self.memberName = memberName
        self.kind = kind
    }

    /// `member:e3`, or `member:<hex id>` when the member is not listed.
    public var entity: Entity { Entity(kind: "member", id: memberName ?? memberID.hex) }

    /// `NOSPACE alarm raised by e3 (d9d2a02ce75ed1a8)`.
    public var description: String {
        "\(kind) alarm raised by \(memberName.map { "\($0) (\(memberID.hex))" } ?? memberID.hex)"
    }

    enum CodingKeys: String, CodingKey {
        case memberID = "member_id"
        case memberName = "member_name"
        case kind
    }
}

/// A member that was in an earlier member list and is gone from this one (`etcdctl member remove`).
public struct EtcdRemovedMember: Sendable, Codable, Equatable {
    public var id: EtcdMemberID
    public var name: String
    public var clientURL: String?
    /// The last observation whose member list still named it.
    public var lastListed: Date

    public init(id: EtcdMemberID, name: String, clientURL: String?, lastListed: Date) {
        self.id = id
        self.name = name
        self.clientURL = clientURL
        self.lastListed = lastListed
    }

    public var displayName: String { name.isEmpty ? id.hex : name }
    public var entity: Entity { Entity(kind: "member", id: displayName) }

    enum CodingKeys: String, CodingKey {
        case id, name
        case clientURL = "client_url"
        case lastListed = "last_listed"
    }
}

/// A linearizable read (`POST /v3/kv/range`, `serializable` false): it needs a leader that still leads a
/// majority, so it tells "quorum lost" from "members disagree about health".
public struct EtcdReadCheck: Sendable, Codable, Equatable {
    public var succeeded: Bool
    /// The members asked, and what each answered.
    public var answers: [String: String]

    public init(succeeded: Bool, answers: [String: String]) {
        self.succeeded = succeeded
        self.answers = answers
    }
}
