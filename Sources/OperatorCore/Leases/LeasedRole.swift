/// Work one replica at a time does, under a lease: a cluster's monitor (`cluster:NAME`, counted in the
/// replica's share) or the outbox's delivery (`outbox`, not counted: whoever is free takes it).
public struct LeasedRole: Sendable {
    public typealias Work = @Sendable () async throws -> Void

    public var lease: String
    /// Counted in `LeaseShare.target`: clusters are, so they spread; the outbox is not.
    public var shared: Bool
    /// Runs until cancelled (the lease was lost or given up) or the process shuts down.
    public var run: Work
    /// Set for work whose every write passes this fence (a cluster's monitor): such work keeps running when
    /// its lease runs out unrenewed because the store is unreachable (it cannot write anyway, and keeps what
    /// it sees for later), and stops only when a round finds the lease held by another replica. Work without
    /// a fence stops when its lease runs out.
    public var fence: LeaseFence?

    public init(lease: String, shared: Bool, fence: LeaseFence? = nil, run: @escaping Work) {
        self.lease = lease
        self.shared = shared
        self.fence = fence
        self.run = run
    }
}
