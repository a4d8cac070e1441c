import Foundation
import OperatorCore

/// The cgroup mounts as read once when the offers are listed (tests pass their own).
public struct CgroupFilesSnapshot: Sendable {
    var files: CgroupFiles
    public static var current: CgroupFilesSnapshot { CgroupFilesSnapshot(files: .current()) }

    /// A machine whose /proc/self/mounts reads `mounts`.
    public static func mounts(_ mounts: String) -> CgroupFilesSnapshot { CgroupFilesSnapshot(files: .current(mounts: mounts)) }
}

/// `slow-disk` and `partition` on a member's process, recorded in the state file so `lift` and `down` undo
/// them from any later CLI process.
extension ProcessDeployment {
    func applyHostFault(_ fault: DeploymentFault) async throws {
        let state = try StateFile.read(ProcessDeploymentState.self, from: stateDirectory)
        let planned = try plannedMember(fault.entity, in: state)
        guard let handle = state.record(for: planned.entity)?.process, DetachedProcess.isRunning(handle) else {
            throw DeploymentError.notRunning(planned.entity, detail: stoppedDetail(planned.entity, in: state))
        }
        let group = CgroupFiles.groupName(fault.kind, planned.entity.description)
        do {
            switch fault.kind {
            case "slow-disk":
                try SlowDiskFault.apply(pid: handle.pid, dataDirectory: path(planned.dataDirectory), group: group)
            default:
                let (client, isolated) = Self.ports(of: planned)
                try await PartitionFault.apply(pid: handle.pid, group: group, clientPort: client, isolatedPorts: isolated)
            }
        } catch {
            throw DeploymentError.hostFault(fault, reason: error.description)
        }
        logger.notice("host fault applied", metadata: ["fault": "\(fault)", "pid": "\(handle.pid)"])
        _ = try StateFile.update(ProcessDeploymentState.self, in: stateDirectory) { s in
            s.update(planned.entity) { record in
                var faults = record.hostFaults ?? []
                if !faults.contains(fault.kind) { faults.append(fault.kind) }
                record.hostFaults = faults
            }
            s.updatedAt = Date()
        }
    }

    func liftHostFault(_ fault: DeploymentFault) async throws {
        let state = try StateFile.read(ProcessDeploymentState.self, from: stateDirectory)
        let planned = try plannedMember(fault.entity, in: state)
        await undo(fault.kind, on: planned, pid: state.record(for: planned.entity)?.process?.pid)
        _ = try StateFile.update(ProcessDeploymentState.self, in: stateDirectory) { s in
            s.update(planned.entity) { record in
                record.hostFaults = (record.hostFaults ?? []).filter { $0 != fault.kind }
                if record.hostFaults?.isEmpty == true { record.hostFaults = nil }
            }
            s.updatedAt = Date()
        }
    }

    /// Every host fault still recorded (`deploy down`): leftover iptables rules would cut the next cluster.
    func liftHostFaults(in state: ProcessDeploymentState) async {
        for record in state.members {
            guard let kinds = record.hostFaults, let planned = try? plannedMember(record.entity, in: state) else { continue }
            for kind in kinds { await undo(kind, on: planned, pid: record.process?.pid) }
        }
    }

    func undo(_ kind: String, on member: ProcessClusterPlan.Member, pid: Int32?) async {
        let group = CgroupFiles.groupName(kind, member.entity.description)
        switch kind {
        case "slow-disk":
            SlowDiskFault.remove(pid: pid ?? 0, group: group)
        case "partition":
            let (client, isolated) = Self.ports(of: member)
            await PartitionFault.remove(pid: pid ?? 0, group: group, clientPort: client, isolatedPorts: isolated)
        default:
            break
        }
    }

    /// The member's client port (from its endpoint) and the ports to cut (every other port it listens on).
    static func ports(of member: ProcessClusterPlan.Member) -> (client: Int, isolated: [Int]) {
        let client = URL(string: member.endpoint)?.port ?? member.ports.first ?? 0
        return (client, member.ports.filter { $0 != client })
    }
}
