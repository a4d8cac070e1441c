import Foundation

/// What a fault is aimed at, parsed from an entity string (`store:2`, `pd:pd3`, `pd:leader`, `cluster`).
enum SimulatedFaultTarget: Equatable, Sendable {
    case store(UInt64)
    /// The PD leader, whichever member that is when the fault is injected.
    case pdLeader
    case pdMember(String)
    /// The whole cluster (PD's leadership as such).
    case cluster

    static func parse(_ text: String, for kind: SimulatedFaultKind) throws(TiKVSimulatorError) -> SimulatedFaultTarget {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = trimmed.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        switch kind {
        case .pdLeaderDown:
            if trimmed == "cluster" || trimmed == "pd" || trimmed == "pd:leader" { return .pdLeader }
            if parts.count == 2, parts[0] == "pd", !parts[1].isEmpty { return .pdMember(parts[1]) }
            throw .badTarget(text, kind: kind)
        case .pdLeaderSwitch:
            if trimmed == "cluster" || trimmed == "pd" { return .cluster }
            throw .badTarget(text, kind: kind)
        default:
            guard parts.count == 2, parts[0] == "store", let id = UInt64(parts[1]), id > 0 else {
                throw .badTarget(text, kind: kind)
            }
            return .store(id)
        }
    }
}
