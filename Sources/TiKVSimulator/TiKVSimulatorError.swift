/// Everything that can go wrong driving the simulator, each message saying what to do about it.
public enum TiKVSimulatorError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidConfiguration(field: String, reason: String)
    case unknownFaultKind(String)
    case badTarget(String, kind: SimulatedFaultKind)
    case unknownStore(UInt64, known: [UInt64])
    case unknownPDMember(String, known: [String])
    case notPDLeader(String, leader: String?)
    case faultAlreadyActive(SimulatedFaultKind, entity: String)
    case faultNotActive(SimulatedFaultKind, entity: String, active: [String])
    case controlPortWouldClose(String)
    case notRunning
    case alreadyRunning
    case bindFailed(port: Int, reason: String)
    case controlEndpointUnreachable(url: String, reason: String)
    case controlEndpointRejected(url: String, status: Int, message: String)
    case notASimulator(url: String, status: Int)

    public var description: String {
        switch self {
        case .invalidConfiguration(let field, let reason):
            return "invalid simulator configuration: \(field) \(reason)"
        case .unknownFaultKind(let text):
            return "unknown fault kind \"\(text)\"; known kinds: \(SimulatedFaultKind.knownList)"
        case .badTarget(let text, let kind):
            return "bad target \"\(text)\" for \(kind): write \(kind.targetHint)"
        case .unknownStore(let id, let known):
            return "no store \(id) in the simulated cluster; its stores are "
                + known.map { "store:\($0)" }.joined(separator: ", ")
        case .unknownPDMember(let name, let known):
            return "no PD member \"\(name)\" in the simulated cluster; its members are "
                + known.map { "pd:\($0)" }.joined(separator: ", ")
        case .notPDLeader(let name, let leader):
            let current = leader.map { "the leader is pd:\($0)" } ?? "there is no leader right now"
            return "pd:\(name) is not the PD leader (\(current)); target pd:leader or cluster"
        case .faultAlreadyActive(let kind, let entity):
            return "\(kind) is already in effect on \(entity); lift it first"
        case .faultNotActive(let kind, let entity, let active):
            let list = active.isEmpty ? "no faults are in effect" : "in effect: " + active.joined(separator: ", ")
            return "\(kind) is not in effect on \(entity) (\(list))"
        case .controlPortWouldClose(let name):
            return "pd:\(name) serves the simulator's control endpoint and cannot be taken down; "
                + "start the simulator with --pd 2 or more so the PD leader is another member"
        case .notRunning:
            return "the simulator is not running; call start() first"
        case .alreadyRunning:
            return "the simulator is already running"
        case .bindFailed(let port, let reason):
            return "cannot listen on 127.0.0.1:\(port) (\(reason)); choose another --port or let the OS pick (port 0)"
        case .controlEndpointUnreachable(let url, let reason):
            return "no TiKV simulator answers at \(url) (\(reason)); start one with `operator simulate --port <port>` and pass that port"
        case .controlEndpointRejected(let url, let status, let message):
            return "the simulator at \(url) refused the request (HTTP \(status)): \(message)"
        case .notASimulator(let url, let status):
            return "\(url) answers HTTP \(status) but is not a TiKV simulator control endpoint; check --port"
        }
    }
}
