import Foundation

/// What the subject remembers between observations: which PD member led, so a leader that disappears can
/// still be named after a follower took over; when each store's process started, so restarts can be counted.
actor ObservationMemory {
    private var currentLeader: String?
    private var previousLeader: String?
    /// Per store: the last process start time seen (unix seconds) and PD's last uptime.
    private var lastStart: [UInt64: Double] = [:]
    private var lastUptime: [UInt64: Double] = [:]
    /// Per store: when this subject saw it start again.
    private var restarts: [UInt64: [Date]] = [:]
    private var observedStores: Set<UInt64> = []

    /// Records each store's start time (from its metrics) or PD's uptime, and returns how many restarts
    /// each store made within `window` seconds before `now` (`nil` for a store seen for the first time).
    /// A start time that moves forward is a restart; without one, PD's uptime falling back is.
    func recordStarts(_ stores: [(id: UInt64, start: Double?, uptime: Double?)], at now: Date, window: Double) -> [UInt64: Int] {
        var out: [UInt64: Int] = [:]
        for store in stores {
            var restarted = false
            if let start = store.start {
                if let before = lastStart[store.id], start > before + 0.5 { restarted = true }
                lastStart[store.id] = start
            } else if let uptime = store.uptime, let before = lastUptime[store.id], uptime + 1 < before {
                restarted = true
            }
            if let uptime = store.uptime { lastUptime[store.id] = uptime }
            var seen = (restarts[store.id] ?? []).filter { now.timeIntervalSince($0) <= window }
            if restarted { seen.append(now) }
            restarts[store.id] = seen
            if observedStores.contains(store.id) { out[store.id] = seen.count }
            observedStores.insert(store.id)
        }
        return out
    }

    /// The last leader that was elected (not nil), and when the leadership moved from one member to another.
    private var lastElected: String?
    private var leaderChanges: [(at: Date, to: String)] = []
    private var leaderObservations = 0

    /// Records this observation's leader (nil: none elected or unknown) and returns the one before it.
    func recordLeader(_ leader: String?, known: Bool) -> String? {
        guard known else { return previousLeader ?? currentLeader }
        if leader != currentLeader {
            if let current = currentLeader { previousLeader = current }
            currentLeader = leader
        }
        return previousLeader
    }

    /// Counts moves of PD's leadership from one member to another within `window` seconds before `now`
    /// (a span without a leader between two members counts once). `nil` until two observations with a
    /// known leader exist.
    func recordLeaderChange(_ leader: String?, at now: Date, window: Double) -> (count: Int, leaders: [String])? {
        leaderChanges.removeAll { now.timeIntervalSince($0.at) > window }
        if let leader {
            leaderObservations += 1
            if let last = lastElected, last != leader { leaderChanges.append((now, leader)) }
            lastElected = leader
        }
        guard leaderObservations >= 2 else { return nil }
        return (leaderChanges.count, leaderChanges.map(\.to))
    }
}
