/// What this replica's `LeaseCoordinator` has done, for the API: `/readyz` waits for the first round,
/// and `watching` is what actually runs here (a lease row says who should; this says who does).
public actor ReplicaLeaseBoard {
    public nonisolated let replica: String
    /// Lease rounds completed or failed: one means the replica has tried its leases.
    public private(set) var rounds = 0
    /// Leases whose work runs in this process now, by name.
    public private(set) var running: Set<String> = []

    public init(replica: String) {
        self.replica = replica
    }

    func roundTried() { rounds += 1 }
    func setRunning(_ leases: Set<String>) { running = leases }
}
