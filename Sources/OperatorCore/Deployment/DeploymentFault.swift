/// One fault a deployment can inject: a kind (`kill`, `stop`, `slow-disk`) on one entity (`store:3`).
/// Kinds are plain strings so that a backend, or a subject's recipe, adds a kind without a core edit.
public struct DeploymentFault: Sendable, Codable, Equatable, Hashable, CustomStringConvertible {
    public var kind: String
    public var entity: Entity

    public init(kind: String, entity: Entity) {
        self.kind = kind
        self.entity = entity
    }

    public var description: String { "\(kind) on \(entity)" }
}

/// A fault kind a deployment offers, and the entity kinds it applies to.
public struct FaultOffer: Sendable, Codable, Equatable {
    public var kind: String
    /// Entity kinds (`store`, `member`, `cluster`) the fault can hit.
    public var entityKinds: [String]
    /// One line: what the fault does, for `operator chaos list`.
    public var summary: String
    /// What `lift` does for it (`SIGCONT`, `docker start`), or `nil` when it cannot be lifted.
    public var lift: String?
    /// Why this machine cannot inject it (no cgroup I/O controller, not root), or `nil` when it can. Listed
    /// all the same, so `operator chaos list` says what is missing; an eval scenario using it is skipped
    /// with this reason.
    public var unavailable: String?

    public init(kind: String, entityKinds: [String], summary: String, lift: String? = nil, unavailable: String? = nil) {
        self.kind = kind
        self.entityKinds = entityKinds
        self.summary = summary
        self.lift = lift
        self.unavailable = unavailable
    }

    public func applies(to fault: DeploymentFault) -> Bool {
        fault.kind == kind && entityKinds.contains(fault.entity.kind)
    }

    /// `slow-disk store:<id>`.
    public var usage: String { "\(kind) \(entityKinds.map { $0 == Entity.cluster.kind ? $0 : "\($0):<id>" }.joined(separator: "|"))" }

    enum CodingKeys: String, CodingKey {
        case kind, summary, lift, unavailable
        case entityKinds = "entity_kinds"
    }
}

/// A fault the deployment does not offer (or cannot lift): the error lists what it does offer.
public struct UnsupportedFaultError: Error, Sendable, Equatable, CustomStringConvertible {
    public var fault: DeploymentFault
    public var backend: String
    public var offers: [FaultOffer]
    public var lifting: Bool

    public init(fault: DeploymentFault, backend: String, offers: [FaultOffer], lifting: Bool = false) {
        self.fault = fault
        self.backend = backend
        self.offers = offers
        self.lifting = lifting
    }

    public var description: String {
        let listed = (lifting ? offers.filter { $0.lift != nil } : offers).map(\.usage)
        let verb = lifting ? "lift" : "inject"
        return "the \(backend) backend cannot \(verb) \(fault.kind) on \(fault.entity); it offers: "
            + (listed.isEmpty ? "nothing" : listed.joined(separator: ", "))
            + " (see `operator chaos list`)"
    }
}

extension Array where Element == FaultOffer {
    /// The offer covering `fault`, or an error listing every offer.
    public func offer(
        for fault: DeploymentFault, backend: String, lifting: Bool = false
    ) throws(UnsupportedFaultError) -> FaultOffer {
        guard let offer = first(where: { $0.applies(to: fault) }), !lifting || offer.lift != nil else {
            throw UnsupportedFaultError(fault: fault, backend: backend, offers: self, lifting: lifting)
        }
        return offer
    }
}
