import OperatorCore

/// Who the members of a compose deployment are, from three sources: the plan's fixed services
/// (`pd:pd0` → `pd0`), the containers Docker reports, and the cluster's own member list when the plan has a
/// directory (`store:4` at `tikv0:20160` → `tikv0`). Pure, so it is tested without an engine.
public struct ComposeMembers: Sendable {
    public var plan: ComposeClusterPlan
    /// The project's containers, one-off ones excluded.
    public var containers: [ComposeContainer]
    /// The directory's answer; empty when the plan has none or it did not answer.
    public var listed: [DirectoryMember]
    /// Why the directory did not answer, shown on the members it would have named.
    public var directoryProblem: String?
    /// Stop notes by entity (`killed by chaos kill at …`).
    public var notes: [String: String]

    public init(
        plan: ComposeClusterPlan, containers: [ComposeContainer], listed: [DirectoryMember] = [],
        directoryProblem: String? = nil, notes: [String: String] = [:]
    ) {
        self.plan = plan
        self.containers = containers.filter { !$0.isOneOff }
        self.listed = listed
        self.directoryProblem = directoryProblem
        self.notes = notes
    }

    /// Entities the plan names directly.
    public var fixedEntities: [Entity] { plan.services.keys.compactMap { try? Entity(parsing: $0) }.sorted() }

    /// Every member once: a container the cluster lists under its own id (a store) is reported under
    /// that id rather than under the plan's alias for the container (`tikv:tikv0`).
    public func statuses() -> [DeploymentStatus.MemberStatus] {
        var members: [DeploymentStatus.MemberStatus] = []
        for (key, service) in plan.services {
            if listed.contains(where: { $0.service == service }) { continue }
            let entity = (try? Entity(parsing: key)) ?? Entity(kind: "service", id: service)
            var status = Self.status(entity, container: container(of: service), service: service, note: notes[entity.description])
            if let directoryProblem, plan.memberDirectory != nil, status.state != .stopped {
                status.detail = [status.detail, directoryProblem].compactMap { $0 }.joined(separator: "; ")
            }
            members.append(status)
        }
        let healthyStates = Set(plan.memberDirectory?.healthyStates ?? [])
        for member in listed {
            var status = Self.status(
                member.entity, container: container(of: member.service), service: member.service,
                note: notes[member.entity.description])
            status.endpoint = member.address
            status.detail = [status.detail, "cluster reports \(member.state ?? "no state")"].compactMap { $0 }
                .joined(separator: "; ")
            // Running containers are judged by what the cluster says about them; a dead container stays stopped
            // even while the cluster still lists it as up (PD needs 20 s to notice, tikv-interfaces.md §1.2).
            if status.state == .healthy || status.state == .running {
                status.state = member.state.map(healthyStates.contains) == true ? .healthy : .unhealthy
            }
            members.append(status)
        }
        return members.sorted { $0.entity < $1.entity }
    }

    /// The compose service running `entity`, or why there is none.
    public func service(of entity: Entity) throws -> String {
        if let service = plan.services[entity.description] { return service }
        guard let directory = plan.memberDirectory, directory.kind == entity.kind else {
            throw DeploymentError.unknownMember(entity, known: (fixedEntities + listed.map(\.entity)).sorted())
        }
        if listed.isEmpty, let directoryProblem {
            throw ComposeError.memberDirectory(url: directory.urls.first ?? "", reason: directoryProblem)
        }
        guard let found = listed.first(where: { $0.entity == entity }) else {
            throw DeploymentError.unknownMember(entity, known: (fixedEntities + listed.map(\.entity)).sorted())
        }
        let services = Set(containers.map(\.service)).union(plan.services.values)
        guard services.contains(found.service) else {
            throw ComposeError.addressWithoutService(entity: entity, address: found.address, known: services.sorted())
        }
        return found.service
    }

    func container(of service: String) -> ComposeContainer? { containers.first { $0.service == service } }

    static func status(
        _ entity: Entity, container: ComposeContainer?, service: String, note: String?
    ) -> DeploymentStatus.MemberStatus {
        guard let container else {
            return .init(entity: entity, state: .stopped, detail: note ?? "service \(service) has no container")
        }
        let state: DeploymentStatus.MemberStatus.State
        switch (container.status, container.health) {
        case ("running", "healthy"): state = .healthy
        case ("running", "unhealthy"): state = .unhealthy
        case ("running", _): state = .running
        case ("exited", _), ("dead", _), ("created", _): state = .stopped
        default: state = .unknown
        }
        let detail = [container.stateDescription, container.isRunning ? nil : note].compactMap { $0 }.joined(separator: "; ")
        return .init(entity: entity, state: state, container: container.name, detail: detail)
    }
}
