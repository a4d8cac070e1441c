import Foundation

/// Which `/regions/check/<state>` counts a tick reads, and the counts it remembers between ticks.
///
/// Every tick reads a state while its count is small and every store is Up. A large count, or a store that
/// is not Up, means PD answers with a long region list (PD has no count-only route, tikv-at-scale.md §1.1)
/// and the count only moves at heartbeat cadence: that state is read at most every ``slowInterval`` and
/// the remembered count (with its age) stands in between.
actor RegionCheckSchedule {
    /// The states a tick reads. Never `learner-peer`, `empty-region` or `undersized-region`: they say
    /// nothing about lost replicas and their lists are long on healthy clusters.
    static let tickChecks: [PDRegionCheck] = [.downPeer, .missPeer, .pendingPeer, .offlinePeer, .extraPeer]

    struct Reading: Sendable {
        var count: Int
        var readAt: Date
    }

    /// A count at or above this is large (tikv-at-scale.md §1: "e.g. 1,000").
    let largeCount: Int
    let slowInterval: TimeInterval
    private var last: [PDRegionCheck: Reading] = [:]

    init(largeCount: Int = 1_000, slowInterval: TimeInterval = 30) {
        self.largeCount = largeCount
        self.slowInterval = slowInterval
    }

    /// Whether `check` is read this tick. `everyStoreUp` is false when PD's store list is unknown.
    func isDue(_ check: PDRegionCheck, at now: Date, everyStoreUp: Bool) -> Bool {
        guard let reading = last[check] else { return true }
        let slow = reading.count >= largeCount || !everyStoreUp
        return !slow || now.timeIntervalSince(reading.readAt) >= slowInterval
            || now < reading.readAt  // the clock stepped back: read rather than trust an age
    }

    func record(_ check: PDRegionCheck, count: Int, at now: Date) {
        last[check] = Reading(count: count, readAt: now)
    }

    /// The remembered count, while it is at most twice ``slowInterval`` old (a minute by default).
    func remembered(_ check: PDRegionCheck, at now: Date) -> Reading? {
        guard let reading = last[check] else { return nil }
        let age = now.timeIntervalSince(reading.readAt)
        return age >= 0 && age <= 2 * slowInterval ? reading : nil
    }
}
