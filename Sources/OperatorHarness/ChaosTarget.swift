import OperatorCore

/// A cluster the demo, the eval harness and the benchmarks can break and repair on purpose: the embedded
/// simulator, local processes, a compose stack.
public protocol ChaosTarget: Sendable {
    /// Registry name of the subject that watches it.
    var subject: String { get }
    /// What to give `--endpoints`.
    var endpoints: [String] { get }
    /// A Prometheus scraping it, when there is one.
    var prometheusURL: String? { get }
    /// Fault kinds `inject` understands.
    var faultKinds: [String] { get }
    /// The entity a fault hits when the user names none.
    func defaultTarget(for kind: String) -> Entity
    func inject(_ fault: FaultSpec) async throws
    func lift(_ fault: FaultSpec) async throws
    /// Stops everything the target started. Safe to call twice.
    func stop() async
    /// Why this machine cannot inject `kind` (no cgroup I/O controller, …), or `nil` when it can.
    func unavailableReason(for kind: String) -> String?
}

extension ChaosTarget {
    public func unavailableReason(for kind: String) -> String? { nil }
}

/// The harness speaks the deployments' fault vocabulary: one type for a fault, wherever it is injected.
public typealias FaultSpec = DeploymentFault

public struct UnsupportedFault: Error, CustomStringConvertible {
    public var kind: String
    public var known: [String]

    public init(kind: String, known: [String]) {
        self.kind = kind
        self.known = known
    }

    public var description: String { "fault kind \"\(kind)\" is not supported here; supported: \(known.joined(separator: ", "))" }
}

/// A deployment as a chaos target: every fault the deployment offers (`kill`, `stop`, …), plus the
/// scenario spelling of a kill (`member-down`, `store-down`), which is SIGKILL/`docker kill`.
public struct DeploymentChaosTarget: ChaosTarget {
    public var subject: String
    public var deployment: any Deployment
    public var endpoints: [String]
    public var prometheusURL: String? = nil
    /// Fault kind → what to name it (`member-down`, `store-down`); all are SIGKILL/`docker kill`.
    public var killKind: String
    public var members: [Entity]

    public init(
        subject: String, deployment: any Deployment, endpoints: [String], prometheusURL: String? = nil, killKind: String,
        members: [Entity]
    ) {
        self.subject = subject
        self.deployment = deployment
        self.endpoints = endpoints
        self.prometheusURL = prometheusURL
        self.killKind = killKind
        self.members = members
    }

    public var faultKinds: [String] {
        var kinds = [killKind]
        for offer in deployment.faultOffers where !kinds.contains(offer.kind) { kinds.append(offer.kind) }
        return kinds
    }

    public func defaultTarget(for kind: String) -> Entity { members.isEmpty ? .cluster : members[members.count / 2] }

    public func inject(_ fault: FaultSpec) async throws {
        if fault.kind == killKind { return try await deployment.kill(fault.entity) }
        do {
            try await deployment.inject(DeploymentFault(kind: fault.kind, entity: fault.entity))
        } catch is UnsupportedFaultError {
            throw UnsupportedFault(kind: fault.kind, known: faultKinds)
        }
    }

    public func lift(_ fault: FaultSpec) async throws {
        if fault.kind == killKind { return try await deployment.restart(fault.entity) }
        do {
            try await deployment.lift(DeploymentFault(kind: fault.kind, entity: fault.entity))
        } catch is UnsupportedFaultError {
            throw UnsupportedFault(kind: fault.kind, known: faultKinds)
        }
    }

    public func stop() async {
        try? await deployment.down(removeState: true)
    }

    public func unavailableReason(for kind: String) -> String? {
        guard kind != killKind else { return nil }
        return deployment.faultOffers.first { $0.kind == kind }.flatMap { offer in
            offer.unavailable.map { "\(offer.kind) is not possible on this machine: \($0)" }
        }
    }
}
