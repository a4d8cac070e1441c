/// Work one replica at a time does, under a lease: a cluster's monitor (`cluster:NAME`, counted in the
/// replica's share) or the outbox's delivery (`outbox`, not counted: whoever is free takes it).
public struct LeasedRole: Sendable {
    public typealias Work = @Sendable () async throws -> Void

    public var lease: String
    /// Counted in `LeaseShare.target`: clusters are, so they spread; the outbox is not.
    public var shared: Bool
    /// Runs until cancelled (the lease was lost or given up) or the process shuts down.
    public var run: Work

    public init(lease: String, shared: Bool, run: @escaping Work) {
        self.lease = lease
        self.shared = shared
        self.run = run
    }
}
