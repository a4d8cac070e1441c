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
/// stay open but nothing answers), a restart; plus whatever the plan's fault control offers.
extension ProcessDeployment {
    public static func processFaultOffers(memberKinds: [String]) -> [FaultOffer] {
        [
            FaultOffer(kind: "kill", entityKinds: memberKinds, summary: "SIGKILL the member's process", lift: "restart it"),
            FaultOffer(
                kind: "stop", entityKinds: memberKinds,
                summary: "freeze the member with SIGSTOP (ports stay open, nothing answers)", lift: "SIGCONT"),
            FaultOffer(kind: "resume", entityKinds: memberKinds, summary: "SIGCONT a frozen member"),
            FaultOffer(kind: "restart", entityKinds: memberKinds, summary: "stop the member and start it again, wait until healthy"),
        ]
    }

    public var faultOffers: [FaultOffer] {
        let plan = (try? StateFile.read(ProcessDeploymentState.self, from: stateDirectory).plan) ?? self.plan
        var kinds: [String] = []
        for member in plan.members where !kinds.contains(member.entity.kind) { kinds.append(member.entity.kind) }
        return (plan.faultControl?.offers ?? []) + Self.processFaultOffers(memberKinds: kinds)
    }

    public func inject(_ fault: DeploymentFault) async throws {
        let offers = faultOffers
        let offer = try offers.offer(for: fault, backend: backend)
        if let control = controlHandling(offer) { return try await FaultControlClient.send(fault, lifting: false, to: control) }
        switch offer.kind {
        case "kill": try await kill(fault.entity)
        case "restart": try await restart(fault.entity)
        case "stop": try freeze(fault.entity, stop: true)
        case "resume": try freeze(fault.entity, stop: false)
        default: throw UnsupportedFaultError(fault: fault, backend: backend, offers: offers)
        }
    }

    public func lift(_ fault: DeploymentFault) async throws {
        let offers = faultOffers
        let offer = try offers.offer(for: fault, backend: backend, lifting: true)
        if let control = controlHandling(offer) { return try await FaultControlClient.send(fault, lifting: true, to: control) }
        switch offer.kind {
        case "kill": try await restart(fault.entity)
        case "stop": try freeze(fault.entity, stop: false)
        default: throw UnsupportedFaultError(fault: fault, backend: backend, offers: offers, lifting: true)
        }
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
