import Foundation
import OperatorCore

/// The faults a container can suffer: `docker kill`, `docker pause`/`unpause` (a frozen node), a restart.
extension ComposeDeployment {
    public static func containerFaultOffers(memberKinds: [String]) -> [FaultOffer] {
        [
            FaultOffer(kind: "kill", entityKinds: memberKinds, summary: "docker kill the member's container (SIGKILL)", lift: "docker start"),
            FaultOffer(
                kind: "pause", entityKinds: memberKinds,
                summary: "freeze the member's container (docker pause: ports stay open, nothing answers)", lift: "docker unpause"),
            FaultOffer(kind: "unpause", entityKinds: memberKinds, summary: "docker unpause a frozen member"),
            FaultOffer(kind: "restart", entityKinds: memberKinds, summary: "restart the member's container, wait until healthy"),
        ]
    }

    public var faultOffers: [FaultOffer] {
        let plan = (try? StateFile.read(ComposeDeploymentState.self, from: stateDirectory).plan) ?? self.plan
        var kinds: [String] = []
        let planned = plan.services.keys.sorted().compactMap { try? Entity(parsing: $0).kind } + [plan.memberDirectory?.kind].compactMap { $0 }
        for kind in planned where !kinds.contains(kind) { kinds.append(kind) }
        return Self.containerFaultOffers(memberKinds: kinds)
    }

    public func inject(_ fault: DeploymentFault) async throws {
        let offers = faultOffers
        let offer = try offers.offer(for: fault, backend: backend)
        switch offer.kind {
        case "kill": try await kill(fault.entity)
        case "restart": try await restart(fault.entity)
        case "pause": try await freeze(fault.entity, pause: true)
        case "unpause": try await freeze(fault.entity, pause: false)
        default: throw UnsupportedFaultError(fault: fault, backend: backend, offers: offers)
        }
    }

    public func lift(_ fault: DeploymentFault) async throws {
        let offers = faultOffers
        let offer = try offers.offer(for: fault, backend: backend, lifting: true)
        switch offer.kind {
        case "kill": try await restart(fault.entity)
        case "pause": try await freeze(fault.entity, pause: false)
        default: throw UnsupportedFaultError(fault: fault, backend: backend, offers: offers, lifting: true)
        }
    }

    /// `docker pause` a running member (`pause: true`) or `docker unpause` a paused one, and note it.
    private func freeze(_ member: Entity, pause: Bool) async throws {
        let state = try StateFile.read(ComposeDeploymentState.self, from: stateDirectory)
        let cli = try await commands(for: state.plan)
        let (entity, service) = try await service(of: member, plan: state.plan, cli: cli)
        guard let container = try await cli.container(project: state.plan.projectName, service: service) else {
            throw DeploymentError.notRunning(entity, detail: "service \(service) has no container; run `operator deploy up` first")
        }
        // A paused container is not "running" to docker, so each direction checks its own state.
        guard pause ? container.isRunning : container.status == "paused" else {
            throw DeploymentError.notRunning(
                entity, detail: "container \(container.name) \(container.stateDescription)\(pause ? "" : ", not paused")")
        }
        try await cli.docker([pause ? "pause" : "unpause", container.id])
        logger.notice(pause ? "member paused" : "member unpaused", metadata: ["member": "\(entity)", "container": "\(container.name)"])
        _ = try StateFile.update(ComposeDeploymentState.self, in: stateDirectory) { s in
            s.notes[entity.description] = pause ? "paused by chaos (docker pause \(container.name)) at \(Timestamp.format(Date()))" : nil
        }
    }
}
