import Foundation

/// Asked just before a tick is written: may this process still write a tick observed at that time?
///
/// A monitor that shares its cluster with other replicas keeps watching through a database outage and
/// writes what it saw once the database is back; by then another replica may have taken the cluster over.
/// The fence keeps the two histories apart: what was observed before the other replica took over is
/// written, what was observed after is not (the other replica was watching then and wrote its own).
public protocol TickWriteFence: Sendable {
    /// Throws when it cannot tell (the database is still unreachable): the tick stays pending.
    func admits(observedAt: Date) async throws -> TickFenceVerdict
}

public enum TickFenceVerdict: Sendable, Equatable {
    case write
    /// Not written, ever: the reason names who watched the cluster instead.
    case refuse(String)
}
