import OperatorCore

/// `pd-leader-switching`: PD's leadership moved from one member to another `minChanges` or more times within
/// the window (tikv-at-scale.md §5 pattern 6; PD's own `PD_leader_change` alert fires when two members saved
/// TSO within 10 minutes). One move is a failover; several are a leader that cannot keep its lease.
public struct PDLeaderSwitchingInvariant: Invariant {
    public let id = "pd-leader-switching"
    public let severity = Severity.warning
    public let summary: String
    public let minChanges: Int

    public init(minChanges: Int = 2) {
        self.minChanges = minChanges
        self.summary = "PD's leader moved fewer than \(minChanges) times within \(Format.seconds(TiKVSnapshot.restartWindowSeconds))"
    }

    public func unavailableReason(in snapshot: TiKVSnapshot) -> String? {
        if let e = snapshot.pd.membersError { return "PD's member list is unavailable: \(e)" }
        if snapshot.pd.recentLeaderChanges == nil { return "leader moves are counted between observations; none to compare yet" }
        return nil
    }

    public func failedSource(in snapshot: TiKVSnapshot) -> String? { snapshot.pd.membersError }

    public func evaluate(_ snapshot: TiKVSnapshot) -> [Violation] {
        guard let changes = snapshot.pd.recentLeaderChanges, changes >= minChanges else { return [] }
        let leaders = snapshot.pd.recentLeaders ?? []
        return [
            violation(
                on: .cluster,
                "PD's leader moved \(changes) times within \(Format.seconds(TiKVSnapshot.restartWindowSeconds))"
                    + (leaders.isEmpty ? "" : " (to \(leaders.joined(separator: ", ")))")
                    + "; leader now \(snapshot.pd.leader ?? "none")",
                excerpt: [
                    "recent_leader_changes": .number(Double(changes)), "recent_leaders": .array(leaders.map { .string($0) }),
                    "leader": JSONValue(snapshot.pd.leader), "window_seconds": .number(TiKVSnapshot.restartWindowSeconds),
                ])
        ]
    }
}
