import Foundation
import Synchronization

/// Deaths the liveness watch confirmed, for the observation that follows. When the dead member was the
/// leader, a follower's `/health` and linearizable read wait for a new leader (an election takes about a
/// second), so a tick that waited out the probe budget on them would report the death that much later. The
/// first observation after a notice probes with a short budget instead: the refused member is seen at once,
/// and what the others could not say within it is only this one observation's gap (invariants that judge
/// health or leadership need several observations in a row).
final class EtcdDeathNotices: Sendable {
    private let pending = Mutex<Date?>(nil)
    /// A notice older than this is stale: a regular tick has looked since.
    let freshFor: TimeInterval = 5

    func post(at now: Date = Date()) { pending.withLock { $0 = now } }

    /// Whether a fresh notice waits; consumes it.
    func take(now: Date = Date()) -> Bool {
        pending.withLock { notice in
            defer { notice = nil }
            guard let at = notice else { return false }
            return now.timeIntervalSince(at) < freshFor
        }
    }
}
