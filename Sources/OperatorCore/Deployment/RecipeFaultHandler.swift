/// Faults a subject's recipe injects into its own running members by speaking the subject's protocol (an
/// alarm, a leadership transfer, a membership change). Declared on the ``DeploymentRecipe``, so a subject
/// adds fault kinds without a core or backend edit: the backend lists ``offers`` next to its own and hands
/// the handler the members it runs, and a way to stop one as an operator would.
public protocol RecipeFaultHandler: Sendable {
    var offers: [FaultOffer] { get }
    func inject(_ fault: DeploymentFault, cluster: RecipeFaultCluster) async throws
    func lift(_ fault: DeploymentFault, cluster: RecipeFaultCluster) async throws
}

/// What a ``RecipeFaultHandler`` is given by the backend running the members.
public struct RecipeFaultCluster: Sendable {
    public struct Member: Sendable, Equatable {
        public var entity: Entity
        /// The member's client endpoint (`http://127.0.0.1:2379`).
        public var endpoint: String
        /// Whether the backend has a live process (or container) for it.
        public var running: Bool

        public init(entity: Entity, endpoint: String, running: Bool) {
            self.entity = entity
            self.endpoint = endpoint
            self.running = running
        }
    }

    public var members: [Member]
    /// Stops one member's process the way `deploy down` would, recording `note` as the reason.
    public var stopMember: @Sendable (_ member: Entity, _ note: String) async throws -> Void

    public init(members: [Member], stopMember: @escaping @Sendable (Entity, String) async throws -> Void) {
        self.members = members
        self.stopMember = stopMember
    }
}
