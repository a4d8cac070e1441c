import OperatorCore

/// A cluster the demo, the eval harness and the benchmarks can break and repair on purpose: the embedded
/// simulator, local processes, a compose stack.
protocol ChaosTarget: Sendable {
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
}

struct FaultSpec: Sendable, Codable, Equatable, CustomStringConvertible {
    var kind: String
    var entity: Entity

    var description: String { "\(kind) on \(entity)" }
}

struct UnsupportedFault: Error, CustomStringConvertible {
    var kind: String
    var known: [String]
    var description: String { "fault kind \"\(kind)\" is not supported here; supported: \(known.joined(separator: ", "))" }
}

/// A deployment as a chaos target: every fault the deployment offers (`kill`, `stop`, …), plus the
/// scenario spelling of a kill (`member-down`, `store-down`), which is SIGKILL/`docker kill`.
struct DeploymentChaosTarget: ChaosTarget {
    var subject: String
    var deployment: any Deployment
    var endpoints: [String]
    var prometheusURL: String? = nil
    /// Fault kind → what to name it (`member-down`, `store-down`); all are SIGKILL/`docker kill`.
    var killKind: String
    var members: [Entity]

    var faultKinds: [String] {
        var kinds = [killKind]
        for offer in deployment.faultOffers where !kinds.contains(offer.kind) { kinds.append(offer.kind) }
        return kinds
    }

    func defaultTarget(for kind: String) -> Entity { members.isEmpty ? .cluster : members[members.count / 2] }

    func inject(_ fault: FaultSpec) async throws {
        if fault.kind == killKind { return try await deployment.kill(fault.entity) }
        do {
            try await deployment.inject(DeploymentFault(kind: fault.kind, entity: fault.entity))
        } catch is UnsupportedFaultError {
            throw UnsupportedFault(kind: fault.kind, known: faultKinds)
        }
    }

    func lift(_ fault: FaultSpec) async throws {
        if fault.kind == killKind { return try await deployment.restart(fault.entity) }
        do {
            try await deployment.lift(DeploymentFault(kind: fault.kind, entity: fault.entity))
        } catch is UnsupportedFaultError {
            throw UnsupportedFault(kind: fault.kind, known: faultKinds)
        }
    }

    func stop() async {
        try? await deployment.down(removeState: true)
    }
}
