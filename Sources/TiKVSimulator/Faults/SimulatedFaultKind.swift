/// The faults the simulator can inject into its cluster while it runs, and lift again.
public enum SimulatedFaultKind: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
    /// The store's process dies: its status port refuses connections and it stops heartbeating.
    case storeDown = "store-down"
    /// The store's disk fills: available space drops under 20 % of capacity, then toward 0.
    case diskFull = "disk-full"
    /// The store's disk is slow: raft append/commit/apply latencies and the slow score rise.
    case slowDisk = "slow-disk"
    /// A write hotspot on the store: QPS and CPU surge, latency rises somewhat.
    case hotWrite = "hot-write"
    /// The PD leader stops answering; a follower becomes leader after an election delay.
    case pdLeaderDown = "pd-leader-down"
    /// The store's network is slow: requests slow down, raft log lag rises, heartbeats arrive late.
    case networkLag = "network-lag"

    public var description: String { rawValue }

    /// What the fault needs as its target, for help texts and errors.
    public var targetHint: String {
        switch self {
        case .pdLeaderDown: return "cluster, pd:leader or pd:<name> of the current leader"
        default: return "store:<id>"
        }
    }

    /// Parses a kind, or throws an error that lists the known kinds.
    public static func parse(_ text: String) throws(TiKVSimulatorError) -> SimulatedFaultKind {
        guard let kind = SimulatedFaultKind(rawValue: text.lowercased()) else {
            throw .unknownFaultKind(text)
        }
        return kind
    }

    /// Checks that `entity` names something this kind of fault can target, without a simulator.
    public func validate(entity: String) throws(TiKVSimulatorError) {
        _ = try SimulatedFaultTarget.parse(entity, for: self)
    }

    static var knownList: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// A fault in effect: its kind, the entity it hit (`store:2`, `pd:pd3`) and when, on PD's clock.
public struct SimulatedFault: Codable, Sendable, Hashable {
    public var kind: SimulatedFaultKind
    public var entity: String
    /// RFC 3339 time on the simulator's PD clock.
    public var injectedAt: String

    public init(kind: SimulatedFaultKind, entity: String, injectedAt: String) {
        self.kind = kind
        self.entity = entity
        self.injectedAt = injectedAt
    }

    enum CodingKeys: String, CodingKey {
        case kind
        case entity
        case injectedAt = "injected_at"
    }
}
