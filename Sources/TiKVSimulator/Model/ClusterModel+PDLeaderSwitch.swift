/// pd-leader-switch (tikv-at-scale.md §5 pattern 6): the PD leader's lease expires over and over; it steps
/// down (PD logs it), a short election elects another member (its campaign lines, `pd_tso_events` restarting
/// on the new leader, every store reconnecting), and the next expiry comes `pdLeaderSwitchInterval` later.
extension ClusterModel {
    mutating func setPDLeaderSwitch(active: Bool, at time: SimInstant) {
        pdLeaderSwitchNext = active ? time + Physics.pdLeaderSwitchElection : nil
    }

    /// The members that take turns leading: never `pd1` while there are three or more (it hosts the
    /// simulator's control endpoint, and pd-leader-down must never close that port).
    private var switchCandidates: [Int] {
        let up = pd.members.filter { $0.downSince == nil }.map(\.index)
        return pd.members.count >= 3 ? up.filter { $0 != 0 } : up
    }

    mutating func applyPDLeaderSwitches(upTo time: SimInstant) {
        while let due = pdLeaderSwitchNext, due <= time {
            pdLeaderSwitchNext = due + Physics.pdLeaderSwitchInterval
            let candidates = switchCandidates
            guard let current = pd.leaderIndex, candidates.count >= 2,
                let position = candidates.firstIndex(of: current) ?? candidates.indices.last
            else { continue }
            let next = candidates[(position + 1) % candidates.count]
            guard let stepped = pd.stepDown(at: due, electing: next) else { continue }
            schedule([
                .init(.pd(pd.members[stepped].name), at: due, .warn, "member.go:183",
                      "no longer a leader because lease has expired, PD leader will step down", []),
            ])
            scheduleHeartbeatFailureLogs(at: due + SimSpan.seconds(1))
        }
    }
}
