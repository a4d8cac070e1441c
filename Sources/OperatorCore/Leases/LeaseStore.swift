import Foundation

/// A named, expiring claim held by one replica: which `operator serve` watches a cluster (`cluster:NAME`),
/// which one delivers the outbox (`outbox`), and that a replica is alive (`replica:NAME`, held by itself).
///
/// Leases live in the shared ticket store so replicas need nothing else to agree: a replica takes a free or
/// expired lease, renews it every interval, and loses it when it stops renewing (killed, partitioned, stuck).
public struct Lease: Sendable, Equatable, Codable {
    public var name: String
    public var holder: String
    /// When the current holder took it (unchanged by renewals).
    public var acquiredAt: Date
    public var expiresAt: Date
    /// Grows by one each time the lease changes hands: a fencing number, so a holder that lost the lease
    /// while stalled can tell (its generation is no longer the lease's).
    public var generation: Int64

    public init(name: String, holder: String, acquiredAt: Date, expiresAt: Date, generation: Int64) {
        self.name = name
        self.holder = holder
        self.acquiredAt = acquiredAt
        self.expiresAt = expiresAt
        self.generation = generation
    }

    public func isHeld(by holder: String, at now: Date) -> Bool { self.holder == holder && expiresAt > now }
    public func isLive(at now: Date) -> Bool { expiresAt > now }

    enum CodingKeys: String, CodingKey {
        case name, holder, generation
        case acquiredAt = "acquired_at"
        case expiresAt = "expires_at"
    }
}

/// Leases, atomically: two replicas asking for the same free lease at the same moment never both get it.
public protocol LeaseStore: Sendable {
    /// Takes `name` for `holder` until `now + duration` when it is free, expired or already `holder`'s
    /// (a renewal: `acquiredAt` and `generation` stay); otherwise leaves it alone. Returns the lease as it
    /// stands after the attempt: held by `holder` on success, by its live holder otherwise.
    func acquireLease(_ name: String, holder: String, duration: Duration, now: Date) async throws -> Lease
    /// Gives the lease up at once if `holder` holds it (a clean shutdown: another replica need not wait
    /// for it to expire); otherwise does nothing.
    func releaseLease(_ name: String, holder: String) async throws
    /// Every lease row, live or expired, by name.
    func leases() async throws -> [Lease]
}

extension LeaseStore {
    /// One lease row, live or expired; nil when nobody ever took it.
    public func lease(named name: String) async throws -> Lease? {
        try await leases().first { $0.name == name }
    }
}

/// The lease names replicas agree on.
public enum LeaseName {
    public static func cluster(_ name: String) -> String { "cluster:\(name)" }
    public static func replica(_ name: String) -> String { "\(replicaPrefix)\(name)" }
    public static let replicaPrefix = "replica:"
    public static let outbox = "outbox"
}
