import Foundation
import Synchronization

/// Stores whose status port a liveness watch saw refuse connections, for the next ticks: the observer
/// flags them so their status endpoint is read on the very next tick even when the scrape rotation
/// (StoreScrapeRotation) would skip them in a large cluster. A mark lapses after `lifetime`.
final class StoreLivenessMarks: Sendable {
    private let marks = Mutex<[UInt64: (seen: String, at: Date)]>([:])
    let lifetime: TimeInterval

    init(lifetime: TimeInterval = 60) { self.lifetime = lifetime }

    func mark(store id: UInt64, seen: String, at: Date = Date()) {
        marks.withLock { $0[id] = (seen, at) }
    }

    /// Why the store is flagged, while its mark is fresh.
    func flag(store id: UInt64, now: Date = Date()) -> String? {
        marks.withLock { m in
            guard let mark = m[id] else { return nil }
            guard now.timeIntervalSince(mark.at) < lifetime else {
                m[id] = nil
                return nil
            }
            return "liveness signal: \(mark.seen)"
        }
    }
}
