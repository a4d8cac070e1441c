import Foundation

/// What the subject remembers between observations: streaks that debounce health and leader flaps, when
/// each member went down, and who led before. One per subject instance; an actor because the monitor and
/// a diagnosis may observe at the same time.
actor EtcdObservationMemory {
    private var unhealthyStreak: [EtcdMemberID: Int] = [:]
    private var downSince: [EtcdMemberID: Date] = [:]
    private var leaderlessStreak = 0
    private var currentLeader: EtcdLeaderView?
    private var previousLeader: EtcdLeaderView?
    private var leaderChanges: [Date] = []
    private var silentStreak: [EtcdMemberID: Int] = [:]
    /// When each member last failed to answer, and how.
    private var lastUnanswered: [EtcdMemberID: (at: Date, how: EtcdReachability)] = [:]
    /// Every member an earlier member list named, with the last time it did.
    private var listed: [EtcdMemberID: EtcdRemovedMember] = [:]

    struct Recall: Sendable {
        var unhealthyStreak: [EtcdMemberID: Int]
        var downSince: [EtcdMemberID: Date]
        var leaderlessStreak: Int
        var leader: EtcdLeaderView?
        var previousLeader: EtcdLeaderView?
        var observedLeaderChanges: Int
        var silentStreak: [EtcdMemberID: Int] = [:]
        /// Members that answer again within the recovery window: how they failed, and when last.
        var recovering: [EtcdMemberID: (from: EtcdReachability, since: Date)] = [:]
        /// Members gone from the member list within the removal window.
        var removed: [EtcdRemovedMember] = []
    }

    /// Names of members listed earlier, for alarms raised by a member gone from the list since.
    func removedNames() -> [EtcdMemberID: String] { listed.mapValues(\.name) }

    /// Folds one observation's member list and reachability in: silence streaks, recoveries, removals.
    /// A member in an unhealthy episode (`member-unhealthy`: cut off, slow disk) is remembered like one that
    /// did not answer: healthy again within the window, it is recovering.
    func rememberMembership(
        members: [EtcdMemberState], at now: Date, recoveryWindow: Duration, removedWindow: Duration,
        unhealthyEpisode: Set<EtcdMemberID> = []
    ) -> (silentStreak: [EtcdMemberID: Int], recovering: [EtcdMemberID: (from: EtcdReachability, since: Date)], removed: [EtcdRemovedMember]) {
        let ids = Set(members.map(\.id))
        silentStreak = silentStreak.filter { ids.contains($0.key) }
        var recovering: [EtcdMemberID: (from: EtcdReachability, since: Date)] = [:]
        for m in members {
            let how = m.reachability
            if how == .silent { silentStreak[m.id, default: 0] += 1 } else { silentStreak[m.id] = nil }
            if unhealthyEpisode.contains(m.id), lastUnanswered[m.id].map({ $0.how == .answers }) ?? true {
                lastUnanswered[m.id] = (now, .answers)  // an unhealthy episode; an outage before it takes precedence
            } else if how == .answers {
                if let last = lastUnanswered[m.id] {
                    if now.timeIntervalSince(last.at) <= recoveryWindow.seconds {
                        recovering[m.id] = (last.how, last.at)
                    } else {
                        lastUnanswered[m.id] = nil
                    }
                }
            } else if how != .notStarted {
                lastUnanswered[m.id] = (now, how)
            }
            listed[m.id] = EtcdRemovedMember(id: m.id, name: m.name, clientURL: m.clientURL, lastListed: now)
        }
        var removed: [EtcdRemovedMember] = []
        for (id, record) in listed where !ids.contains(id) {
            if now.timeIntervalSince(record.lastListed) <= removedWindow.seconds {
                removed.append(record)
            } else {
                listed[id] = nil
                lastUnanswered[id] = nil
            }
        }
        return (silentStreak, recovering, removed.sorted { $0.displayName < $1.displayName })
    }

    /// Folds one observation in and returns the streaks and leaders as of it.
    func remember(
        members: [EtcdMemberState], reportedLeader: EtcdLeaderView?, at now: Date, window: Duration
    ) -> Recall {
        let ids = Set(members.map(\.id))
        unhealthyStreak = unhealthyStreak.filter { ids.contains($0.key) }
        downSince = downSince.filter { ids.contains($0.key) }
        for m in members {
            if m.reachable && m.healthy != true {
                unhealthyStreak[m.id, default: 0] += 1
            } else {
                unhealthyStreak[m.id] = nil
            }
            if m.reachable {
                downSince[m.id] = nil
            } else if downSince[m.id] == nil {
                downSince[m.id] = now
            }
        }

        if var reported = reportedLeader {
            leaderlessStreak = 0
            if let current = currentLeader, current.id == reported.id {
                reported.since = current.since
            } else {
                if var current = currentLeader {
                    current.until = now
                    previousLeader = current
                    leaderChanges.append(now)
                } else if let previous = previousLeader, previous.id != reported.id {
                    leaderChanges.append(now)  // a new leader after a leaderless spell
                }
                reported.since = now
            }
            currentLeader = reported
        } else {
            leaderlessStreak += 1
            if var current = currentLeader {
                current.until = now
                previousLeader = current
                currentLeader = nil
            }
        }
        let oldest = now.addingTimeInterval(-window.seconds)
        leaderChanges.removeAll { $0 < oldest }
        return Recall(
            unhealthyStreak: unhealthyStreak, downSince: downSince, leaderlessStreak: leaderlessStreak,
            leader: currentLeader, previousLeader: previousLeader, observedLeaderChanges: leaderChanges.count)
    }
}
