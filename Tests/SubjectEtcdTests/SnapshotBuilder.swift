import Foundation
import OperatorCore

@testable import SubjectEtcd

/// Constructed snapshots for invariant, link and rule tests: three members e1…e3 by default, healthy,
/// e1 leading at term 2.
struct SnapshotBuilder {
    var snapshot: EtcdSnapshot

    static let ids: [String: EtcdMemberID] = [
        "e1": EtcdMemberID(hex: GatewayFixtures.e1)!, "e2": EtcdMemberID(hex: GatewayFixtures.e2)!,
        "e3": EtcdMemberID(hex: GatewayFixtures.e3)!, "e4": EtcdMemberID(4), "e5": EtcdMemberID(5),
    ]

    init(members names: [String] = ["e1", "e2", "e3"], leader: String? = "e1") {
        let members = names.enumerated().map { i, name in
            EtcdMemberState(
                id: Self.ids[name] ?? EtcdMemberID(UInt64(100 + i)), name: name, clientURL: "http://127.0.0.1:\(2379 + 2 * i)",
                reachable: true, healthy: true,
                status: EtcdMemberStatus(dbSizeBytes: 20480, leader: leader.flatMap { Self.ids[$0] }, raftTerm: 2, raftAppliedIndex: 17))
        }
        snapshot = EtcdSnapshot(
            observedAt: Date(timeIntervalSince1970: 1_795_417_505), endpoints: ["http://127.0.0.1:2379"],
            answeredBy: "http://127.0.0.1:2379", members: members,
            leader: leader.flatMap { l in Self.ids[l].map { EtcdLeaderView(id: $0, name: l, term: 2, reachable: true) } },
            windowSeconds: 300)
    }

    func index(_ name: String) -> Int { snapshot.members.firstIndex { $0.name == name }! }

    /// Refuses connections from now on (a SIGKILLed member).
    mutating func kill(_ name: String, since: Date? = nil) {
        let i = index(name)
        snapshot.members[i].reachable = false
        snapshot.members[i].healthy = nil
        snapshot.members[i].status = nil
        snapshot.members[i].unreachableReason = "connection refused"
        snapshot.members[i].downSince = since ?? snapshot.observedAt
        if snapshot.leader?.name == name { snapshot.leader?.reachable = false }
    }

    mutating func unhealthy(_ name: String, observations: Int, noLeader: Bool = false) {
        let i = index(name)
        snapshot.members[i].healthy = false
        snapshot.members[i].healthDetail = "GET /health answered HTTP 503"
        snapshot.members[i].consecutiveUnhealthy = observations
        if noLeader {
            snapshot.members[i].status?.leader = nil
            snapshot.members[i].status?.errors = ["etcdserver: no leader"]
        }
    }

    mutating func metrics(_ name: String, _ change: (inout EtcdMemberMetrics) -> Void) {
        let i = index(name)
        var m = snapshot.members[i].metrics ?? EtcdMemberMetrics(hasLeader: true, windowSeconds: 300)
        change(&m)
        snapshot.members[i].metrics = m
    }

    /// Leadership moved from `old` to `new` (Operator saw both), `since` seconds before the observation.
    mutating func leaderMoved(from old: String, to new: String, term: UInt64 = 3, secondsAgo: Double = 2) {
        snapshot.previousLeader = EtcdLeaderView(id: Self.ids[old]!, name: old, term: term - 1, reachable: false)
        snapshot.leader = EtcdLeaderView(
            id: Self.ids[new]!, name: new, term: term, reachable: true, since: snapshot.observedAt.addingTimeInterval(-secondsAgo))
        for i in snapshot.members.indices where snapshot.members[i].status != nil {
            snapshot.members[i].status?.leader = Self.ids[new]
            snapshot.members[i].status?.raftTerm = term
        }
    }

    /// Accepts connections and answers nothing within the probe budget (a SIGSTOPped member), for
    /// `observations` in a row.
    mutating func freeze(_ name: String, observations: Int = 2, since: Date? = nil) {
        let i = index(name)
        snapshot.members[i].reachable = false
        snapshot.members[i].timedOut = true
        snapshot.members[i].consecutiveSilent = observations
        snapshot.members[i].healthy = nil
        snapshot.members[i].status = nil
        snapshot.members[i].unreachableReason =
            "timed out: no response headers within the 1s request deadline; the server did not answer (or a connection was never made)"
        snapshot.members[i].downSince = since ?? snapshot.observedAt
        if snapshot.leader?.name == name { snapshot.leader?.reachable = false }
    }

    /// Answers again after being out (`from` silent or refused) until `since`.
    mutating func recovering(_ name: String, from: EtcdReachability, since: Date) {
        let i = index(name)
        snapshot.members[i].recoveringFrom = from
        snapshot.members[i].recoveringSince = since
    }

    /// `raisedBy` raised an alarm: every member reports it and fails /health (§A, README evidence).
    mutating func alarm(_ kind: String = "NOSPACE", raisedBy name: String, observations: Int = 3) {
        let id = snapshot.members[index(name)].id
        snapshot.alarms = [EtcdAlarmView(memberID: id, memberName: name, kind: kind)]
        for i in snapshot.members.indices where snapshot.members[i].reachable {
            snapshot.members[i].healthy = false
            snapshot.members[i].healthDetail = "GET /health answered HTTP 503 {\"health\":\"false\"}"
            snapshot.members[i].consecutiveUnhealthy = observations
            snapshot.members[i].status?.errors = ["memberID:\(id.decimal) alarm:\(kind) "]
        }
    }

    /// `etcdctl member remove`: gone from the member list, remembered as removed.
    mutating func remove(_ name: String) {
        let m = snapshot.members.remove(at: index(name))
        snapshot.removedMembers.append(
            EtcdRemovedMember(id: m.id, name: m.name, clientURL: m.clientURL, lastListed: snapshot.observedAt.addingTimeInterval(-1)))
        if snapshot.leader?.name == name { snapshot.leader = nil }
    }

    /// No member reports a leader any more.
    mutating func leaderless(observations: Int, readFails: Bool = true) {
        let answering = snapshot.members.filter(\.reachable).map(\.displayName)
        snapshot.linearizableRead = answering.isEmpty ? nil : EtcdReadCheck(
            succeeded: !readFails,
            answers: Dictionary(uniqueKeysWithValues: answering.map { ($0, readFails ? "answered HTTP 503: etcdserver: request timed out" : "served") }))
        if let leader = snapshot.leader { snapshot.previousLeader = leader }
        snapshot.leader = nil
        snapshot.leaderlessObservations = observations
        for i in snapshot.members.indices where snapshot.members[i].status != nil {
            snapshot.members[i].status?.leader = nil
            snapshot.members[i].status?.errors = ["etcdserver: no leader"]
        }
    }
}

extension Array where Element == Violation {
    var keys: [String] { map { "\($0.invariant)@\($0.entity)" }.sorted() }
}
