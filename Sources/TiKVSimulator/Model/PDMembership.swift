/// The PD members, who leads, and the spans without a leader.
///
/// The leader is the highest-numbered live member: the first member (`pd1`) hosts the
/// simulator's control endpoint, so with two or more members it is never the leader and
/// pd-leader-down never closes the control port.
struct PDMembership: Sendable {
    struct Member: Sendable {
        let index: Int
        let name: String
        let memberID: UInt64
        var clientPort: Int = 0
        var processStart: SimInstant
        var downSince: SimInstant?
        /// When this member last became leader (for `pd_tso_events`).
        var leaderSince: SimInstant?

        var peerURL: String { "http://\(name).simulator.invalid:2380" }
    }

    var members: [Member]
    private(set) var leaderIndex: Int?
    /// The leader before the current outage: followers forward to it until its lease expires.
    private(set) var previousLeaderIndex: Int?
    private(set) var outages: [PDOutage] = []
    /// When a pending election can complete (nil: no election under way, or no quorum yet).
    private(set) var electionReadyAt: SimInstant?
    /// The member a pending election elects when it is up (a leader that stepped down is not re-elected).
    private(set) var preferredWinner: Int?

    init(count: Int, seed: UInt64, start: SimInstant) {
        members = (0..<count).map { index in
            // Member ids are random uint64s, routinely above Int64.max (tikv-interfaces.md §1.0).
            let id = RegionLayout.mix(seed &* 31 &+ UInt64(index) &+ 0xD1CE) | (1 << 63)
            return Member(index: index, name: "pd\(index + 1)", memberID: id, processStart: start)
        }
        leaderIndex = count - 1
        members[count - 1].leaderSince = start
    }

    var leader: Member? { leaderIndex.map { members[$0] } }
    var aliveCount: Int { members.filter { $0.downSince == nil }.count }
    var hasQuorum: Bool { aliveCount * 2 > members.count }

    func isUp(_ index: Int) -> Bool { members[index].downSince == nil }

    /// Where a follower sends a request, as PD's redirect middleware decides at `time`.
    enum Forwarding: Equatable {
        case leader(Int)
        /// The follower still believes in a dead leader (lease not expired): the proxy fails.
        case deadLeader(Int)
        case noLeader
    }

    func forwarding(at time: SimInstant) -> Forwarding {
        if let leaderIndex { return .leader(leaderIndex) }
        if let previous = previousLeaderIndex, let outage = outages.last, time < outage.start + Physics.pdLeaderLease {
            return .deadLeader(previous)
        }
        return .noLeader
    }

    mutating func memberDown(_ index: Int, at time: SimInstant) {
        members[index].downSince = time
        members[index].leaderSince = nil
        guard index == leaderIndex else { return }
        previousLeaderIndex = index
        leaderIndex = nil
        outages.append(PDOutage(start: time, end: nil))
        electionReadyAt = hasQuorum ? time + Physics.pdElectionDelay : nil
    }

    mutating func memberUp(_ index: Int, at time: SimInstant) {
        members[index].downSince = nil
        members[index].processStart = time
        if leaderIndex == nil, electionReadyAt == nil, hasQuorum {
            electionReadyAt = time + Physics.pdElectionDelay
        }
    }

    /// The leader's lease expires while it runs (pd-leader-switch): it steps down, and after a short
    /// election `next` leads. Returns the member that stepped down.
    mutating func stepDown(at time: SimInstant, electing next: Int) -> Int? {
        guard let leader = leaderIndex else { return nil }
        members[leader].leaderSince = nil
        previousLeaderIndex = leader
        leaderIndex = nil
        outages.append(PDOutage(start: time, end: nil))
        electionReadyAt = time + Physics.pdLeaderSwitchElection
        preferredWinner = next
        return leader
    }

    /// Completes a due election; returns (old, new) leader indices when one happened.
    mutating func electIfDue(at time: SimInstant) -> (previous: Int?, elected: Int, at: SimInstant)? {
        guard leaderIndex == nil, let ready = electionReadyAt, ready <= time, hasQuorum else { return nil }
        let preferred = preferredWinner.flatMap { members[$0].downSince == nil ? $0 : nil }
        preferredWinner = nil
        guard let winner = preferred ?? members.last(where: { $0.downSince == nil })?.index else { return nil }
        leaderIndex = winner
        members[winner].leaderSince = ready
        electionReadyAt = nil
        if !outages.isEmpty { outages[outages.count - 1].end = ready }
        return (previousLeaderIndex, winner, ready)
    }
}
