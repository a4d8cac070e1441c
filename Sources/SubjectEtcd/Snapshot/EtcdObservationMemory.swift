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

    struct Recall: Sendable {
        var unhealthyStreak: [EtcdMemberID: Int]
        var downSince: [EtcdMemberID: Date]
        var leaderlessStreak: Int
        var leader: EtcdLeaderView?
        var previousLeader: EtcdLeaderView?
        var observedLeaderChanges: Int
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
