import OperatorCore

/// Why a local deployment could not do what was asked. Each case names the member, port, file or
/// program involved and says what to do next.
public enum DeploymentError: Error, CustomStringConvertible, Equatable {
    case executableMissing(executable: String, installHint: String)
    case portTaken(port: Int, member: Entity)
    case alreadyRunning(stateDirectory: String, members: [String])
    case noDeployment(stateDirectory: String)
    case unreadableState(path: String, reason: String)
    case unknownMember(Entity, known: [Entity])
    case notRunning(Entity, detail: String)
    case memberExited(Entity, how: String, logExcerpt: String)
    case memberUnhealthy(Entity, waited: String, lastError: String, logExcerpt: String)
    case startFailed(Entity, reason: String)
    case unsupportedBackend(String, known: [String])
    case stateDirectory(path: String, reason: String)
    /// The wait was cancelled (Ctrl-C); what was started is stopped by the caller's cleanup.
    case interrupted(while: String)
    /// The cluster's fault control refused or did not answer.
    case faultControl(DeploymentFault, url: String, reason: String)
    /// The host could not apply (or undo) a fault to a member's process: cgroup, iptables, a device.
    case hostFault(DeploymentFault, reason: String)

    public var description: String {
        switch self {
        case .executableMissing(let executable, let hint):
            return "\(executable) is not installed (not found in PATH); \(hint)"
        case .portTaken(let port, let member):
            return "port \(port) for \(member) is already in use on 127.0.0.1; stop what listens there or choose another --base-port"
        case .alreadyRunning(let dir, let members):
            return "a deployment in \(dir) is still running (\(members.joined(separator: ", "))); run `operator deploy down --state-dir \(dir)` first"
        case .noDeployment(let dir):
            return "no deployment in \(dir); start one with `operator deploy up --state-dir \(dir)`, or point --state-dir / OPERATOR_STATE_DIR at an existing one"
        case .unreadableState(let path, let reason):
            return "cannot read deployment state \(path): \(reason); stop leftover members by pid and remove the file"
        case .unknownMember(let entity, let known):
            return "\(entity) is not a member of this deployment; members: \(known.map(\.description).joined(separator: ", "))"
        case .notRunning(let entity, let detail):
            return "\(entity) is not running (\(detail)); start it with `operator chaos restart \(entity)`"
        case .memberExited(let entity, let how, let excerpt):
            return "\(entity) \(how) during start-up\n\(excerpt)"
        case .memberUnhealthy(let entity, let waited, let lastError, let excerpt):
            return "\(entity) did not become healthy within \(waited) (\(lastError))\n\(excerpt)"
        case .startFailed(let entity, let reason):
            return "cannot start \(entity): \(reason)"
        case .unsupportedBackend(let backend, let known):
            return "deployment backend \"\(backend)\" is not available here; known backends: \(known.joined(separator: ", "))"
        case .stateDirectory(let path, let reason):
            return "cannot use state directory \(path): \(reason)"
        case .interrupted(let activity):
            return "interrupted while \(activity)"
        case .faultControl(let fault, let url, let reason):
            return "cannot apply \(fault) through \(url): \(reason); check the deployment with `operator deploy status`"
        case .hostFault(let fault, let reason):
            return "cannot apply \(fault): \(reason)"
        }
    }
}
