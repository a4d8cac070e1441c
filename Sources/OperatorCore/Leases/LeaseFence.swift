import Foundation
import Synchronization

/// The tick-write fence of one cluster's lease (`TickWriteFence`), kept current by the `LeaseCoordinator`.
///
/// Cheap while the lease is renewed: a tick observed before the last renewal's expiry (less the stop
/// margin) is written without asking the database. A tick observed later (the lease ran out while the
/// store was unreachable) is checked against the lease row once the store answers: still this replica's,
/// or taken by another replica after the tick was observed → written; taken before → refused, since that
/// replica was watching and wrote its own ticks for that time.
public final class LeaseFence: TickWriteFence {
    public let lease: String
    public let replica: String
    private let store: any LeaseStore
    /// Ticks observed before this time (this replica's wall clock) are covered by a renewal.
    private let coveredUntil = Mutex<Date?>(nil)

    public init(lease: String, replica: String, store: any LeaseStore) {
        self.lease = lease
        self.replica = replica
        self.store = store
    }

    /// The coordinator took or renewed the lease: ticks observed before `until` are this replica's.
    func cover(until: Date) { coveredUntil.withLock { $0 = max($0 ?? until, until) } }

    public func admits(observedAt: Date) async throws -> TickFenceVerdict {
        if let until = coveredUntil.withLock({ $0 }), observedAt < until { return .write }
        guard let row = try await store.lease(named: lease) else { return .write }  // nobody else ever held it
        if row.holder == replica { return .write }  // renewed by nobody else: this replica still watched alone
        if observedAt < row.acquiredAt { return .write }
        return .refuse(
            "\(lease) has been held by replica \(row.holder) since \(Timestamp.format(row.acquiredAt)) (generation \(row.generation)); "
                + "this replica observed the tick at \(Timestamp.format(observedAt)), after its own lease ran out, and the other replica wrote its own")
    }
}
