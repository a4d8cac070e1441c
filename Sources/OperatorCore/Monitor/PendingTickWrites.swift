import Foundation
import Synchronization

/// One tick's write, kept until the database takes it: the findings and heartbeat carry the tick's own
/// observation time, so a write that lands late still records when things were seen.
struct TickWrite: Sendable {
    var tick: Int
    var findings: TickFindings
    var heartbeat: Heartbeat
}

/// Tick writes the database has not taken yet (a full disk, a lock held too long), oldest first.
///
/// Bounded: once a write attempt leaves more than `limit` waiting, the oldest are dropped and counted, so
/// a database that never comes back costs a fixed amount of memory rather than all of it. (The bound is
/// applied after the attempt, so a database that just came back takes every tick kept for it.)
final class PendingTickWrites: Sendable {
    private struct State {
        var queue: [TickWrite] = []
        var dropped = 0
    }

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) { self.limit = max(1, limit) }

    /// Adds a write at the end.
    func append(_ write: TickWrite) { state.withLock { $0.queue.append(write) } }

    /// Drops the oldest writes beyond the limit; returns how many.
    func trimToLimit() -> Int {
        state.withLock { s in
            let excess = max(0, s.queue.count - limit)
            if excess > 0 {
                s.queue.removeFirst(excess)
                s.dropped += excess
            }
            return excess
        }
    }

    /// The oldest write not yet taken.
    var first: TickWrite? { state.withLock { $0.queue.first } }

    /// Removes the oldest write once the database took it.
    func removeFirst() { state.withLock { s in if !s.queue.isEmpty { s.queue.removeFirst() } } }

    var count: Int { state.withLock { $0.queue.count } }
    /// Writes dropped since start because the queue was full.
    var dropped: Int { state.withLock { $0.dropped } }
}
