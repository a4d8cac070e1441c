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
    /// RocksDB stalls the store's writes (too many level-0 files): write latency in seconds, ServerIsBusy
    /// rejections, `tikv_engine_write_stall` and its reason series up; the store stays Up and reads are normal
    /// (tikv-at-scale.md §5 pattern 4).
    case writeStall = "write-stall"
    /// The store's process is OOM-killed and restarted over and over: up for a while with memory climbing,
    /// then dead (port refused, PD Disconnected), then up again with a new start time and a "Welcome to
    /// TiKV" banner (tikv-at-scale.md §5 pattern 5).
    case restartLoop = "restart-loop"
    /// The store is cut off from PD and its peers while its process runs: PD says Disconnected (then Down),
    /// its leaders move away and its peers report it unreachable, yet its status port answers and its own
    /// metrics read normally (tikv-at-scale.md §5 pattern 10).
    case networkPartition = "network-partition"
    /// PD finds the store slow (tikv-at-scale.md §3, §5 pattern 3): its raft inspections time out (an I/O
    /// hang), slow_score reaches 100, PD's evict-slow-store-scheduler moves every leader off it and logs
    /// "detected slow store, start to evict leaders"; requests hang rather than complete slowly, so its
    /// latency histograms barely move.
    case slowStore = "slow-store"
    /// PD's leadership keeps moving (tikv-at-scale.md §5 pattern 6): the leader's lease expires every 20 s,
    /// it steps down, another member is elected; /members shows a new leader each time, PD logs the
    /// campaigns, the stores reconnect. No member goes down.
    case pdLeaderSwitch = "pd-leader-switch"
    /// The store's peers cannot catch up (snapshots it receives never finish applying, tikv-at-scale.md §5
    /// pattern 9): every region with a replica there lists it as a pending peer for as long as the fault
    /// lasts, its leaders move away, `tikv_raftstore_snapshot_traffic_total{type="applying"}` stays up.
    case pendingPeers = "pending-peers"
    /// A split storm leaves the store with far more regions than the others (tikv-at-scale.md §5 pattern
    /// 12): its PD `region_count` and `tikv_raftstore_region_count{type="region"}` climb past 20000 while the
    /// others stay, raftstore's threads run near their pool, requests wait a little longer; the store stays Up.
    case tooManyRegions = "too-many-regions"

    public var description: String { rawValue }

    /// One line on what the fault does, for `operator chaos list`.
    public var summary: String {
        switch self {
        case .storeDown: return "the store's process dies: status port refuses, heartbeats stop"
        case .diskFull: return "the store's disk fills: available space under 20 %, then toward 0"
        case .slowDisk: return "the store's disk is slow: raft append/commit/apply latencies and slow score rise"
        case .hotWrite: return "a write hotspot on the store: QPS and CPU surge"
        case .pdLeaderDown: return "the PD leader stops answering; a follower takes over after an election"
        case .networkLag: return "the store's network is slow: raft log lag rises, heartbeats arrive late"
        case .writeStall: return "RocksDB stalls the store's writes: write stall series, ServerIsBusy, write latency up; still Up"
        case .restartLoop: return "the store's process is OOM-killed and restarts again and again: start time resets, PD flaps Up/Disconnected"
        case .networkPartition: return "the store is cut off from PD and its peers: PD says Disconnected while its status port answers"
        case .slowStore: return "PD finds the store slow: slow_score 100, evict-slow-store-scheduler moves its leaders away"
        case .pdLeaderSwitch: return "PD's leader steps down every 20 s and another member is elected, again and again"
        case .pendingPeers: return "the store's peers never catch up: its regions stay pending-peer, snapshots stay applying"
        case .tooManyRegions: return "a split storm gives the store over 20000 regions: raftstore CPU near its pool, latency up a little; still Up"
        }
    }

    /// The kinds of entity the fault targets (`FaultOffer.entityKinds`).
    public var entityKinds: [String] {
        switch self {
        case .pdLeaderDown: return ["cluster", "pd"]
        case .pdLeaderSwitch: return ["cluster"]
        default: return ["store"]
        }
    }

    /// What the fault needs as its target, for help texts and errors.
    public var targetHint: String {
        switch self {
        case .pdLeaderDown: return "cluster, pd:leader or pd:<name> of the current leader"
        case .pdLeaderSwitch: return "cluster"
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
