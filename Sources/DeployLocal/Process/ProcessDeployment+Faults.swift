import Foundation
import OperatorCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The faults a process can suffer from outside: SIGKILL, SIGSTOP/SIGCONT (a frozen node: its ports
/// stay open but nothing answers), a restart, throttled disk I/O and a network partition from its peers;
/// plus whatever the plan's fault control and the subject's recipe offer.
extension ProcessDeployment {
    public static func processFaultOffers(memberKinds: [String], cgroups: CgroupFilesSnapshot = .current) -> [FaultOffer] {
        [
            FaultOffer(kind: "kill", entityKinds: memberKinds, summary: "SIGKILL the member's process", lift: "restart it"),
            FaultOffer(
                kind: "stop", entityKinds: memberKinds,
                summary: "freeze the member with SIGSTOP (ports stay open, nothing answers)", lift: "SIGCONT"),
            FaultOffer(kind: "resume", entityKinds: memberKinds, summary: "SIGCONT a frozen member"),
            FaultOffer(kind: "restart", entityKinds: memberKinds, summary: "stop the member and start it again, wait until healthy"),
            FaultOffer(
                kind: "slow-disk", entityKinds: memberKinds,
                summary: "throttle the member's writes to its data directory's disk to \(SlowDiskFault.writeIOPS) IOPS (cgroup I/O controller)",
                lift: "move it out of the throttled cgroup", unavailable: SlowDiskFault.unavailableReason(cgroups: cgroups.files)),
            FaultOffer(
                kind: "partition", entityKinds: memberKinds,
                summary: "cut the member off from its peers (iptables on its cgroup); its client port still answers",
                lift: "remove the rules", unavailable: PartitionFault.unavailableReason(cgroups: cgroups.files)),
        ]
    }

    public var faultOffers: [FaultOffer] {
        let plan = (try? StateFile.read(ProcessDeploymentState.self, from: stateDirectory).plan) ?? self.plan
        var kinds: [String] = []
        for member in plan.members where !kinds.contains(member.entity.kind) { kinds.append(member.entity.kind) }
        // The cluster's own offers win over a process fault of the same kind (the simulator's slow-disk).
        let own = (plan.faultControl?.offers ?? []) + (recipeFaults?.offers ?? [])
        return own + Self.processFaultOffers(memberKinds: kinds).filter { offer in !own.contains { $0.kind == offer.kind } }
    }

    public func inject(_ fault: DeploymentFault) async throws {
        let offers = faultOffers
        let offer = try offers.offer(for: fault, backend: backend)
        if let reason = offer.unavailable { throw DeploymentError.hostFault(fault, reason: "not possible on this machine: \(reason)") }
        if let control = controlHandling(offer) { return try await FaultControlClient.send(fault, lifting: false, to: control) }
        if let recipe = recipeHandling(offer) { return try await recipe.inject(fault, cluster: try recipeCluster()) }
        switch offer.kind {
        case "kill": try await kill(fault.entity)
        case "restart": try await restart(fault.entity)
        case "stop": try freeze(fault.entity, stop: true)
        case "resume": try freeze(fault.entity, stop: false)
        case "slow-disk", "partition": try await applyHostFault(fault)
        default: throw UnsupportedFaultError(fault: fault, backend: backend, offers: offers)
        }
    }

    public func lift(_ fault: DeploymentFault) async throws {
        let offers = faultOffers
        let offer = try offers.offer(for: fault, backend: backend, lifting: true)
        if let control = controlHandling(offer) { return try await FaultControlClient.send(fault, lifting: true, to: control) }
        if let recipe = recipeHandling(offer) { return try await recipe.lift(fault, cluster: try recipeCluster()) }
        switch offer.kind {
        case "kill": try await restart(fault.entity)
        case "stop": try freeze(fault.entity, stop: false)
        case "slow-disk", "partition": try await liftHostFault(fault)
        default: throw UnsupportedFaultError(fault: fault, backend: backend, offers: offers, lifting: true)
        }
    }

    /// The recipe's handler when `offer` is one of its offers.
    private func recipeHandling(_ offer: FaultOffer) -> (any RecipeFaultHandler)? {
        guard let recipeFaults, recipeFaults.offers.contains(offer) else { return nil }
        return recipeFaults
    }

    /// The members as the recipe's handler sees them, and a way to stop one.
    private func recipeCluster() throws -> RecipeFaultCluster {
        let state = try StateFile.read(ProcessDeploymentState.self, from: stateDirectory)
        let members = state.plan.members.map { member in
            RecipeFaultCluster.Member(
                entity: member.entity, endpoint: member.endpoint,
                running: state.record(for: member.entity)?.process.map(DetachedProcess.isRunning) ?? false)
        }
        let deployment = self
        return RecipeFaultCluster(members: members, stopMember: { entity, note in
            let current = try StateFile.read(ProcessDeploymentState.self, from: deployment.stateDirectory)
            let planned = try deployment.plannedMember(entity, in: current)
            await deployment.stopMembers([planned.entity], note: note)
        })
    }

    /// The plan's fault control when `offer` is one of its offers (they come first in ``faultOffers``).
    private func controlHandling(_ offer: FaultOffer) -> FaultControlEndpoint? {
        let plan = (try? StateFile.read(ProcessDeploymentState.self, from: stateDirectory).plan) ?? self.plan
        guard let control = plan.faultControl, control.offers.contains(offer) else { return nil }
        return control
    }

    /// SIGSTOP (`stop: true`) or SIGCONT the member's process group, and note it for `deploy status`.
    private func freeze(_ member: Entity, stop: Bool) throws {
        let state = try StateFile.read(ProcessDeploymentState.self, from: stateDirectory)
        let planned = try plannedMember(member, in: state)
        guard let handle = state.record(for: planned.entity)?.process, DetachedProcess.isRunning(handle) else {
            throw DeploymentError.notRunning(planned.entity, detail: stoppedDetail(planned.entity, in: state))
        }
        DetachedProcess.signal(handle, stop ? SIGSTOP : SIGCONT)
        _ = try StateFile.update(ProcessDeploymentState.self, in: stateDirectory) { s in
            s.update(planned.entity) { $0.frozenNote = stop ? "frozen by SIGSTOP at \(Timestamp.format(Date()))" : nil }
            s.updatedAt = Date()
        }
    }
}
