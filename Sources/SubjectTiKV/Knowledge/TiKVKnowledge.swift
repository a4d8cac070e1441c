import Foundation
import OperatorCore
import PrometheusClient

/// What the TiKV subject knows about diagnosing its failures: categories, which violation explains which,
/// the evidence worth gathering and the offline rules.
public struct TiKVKnowledge: DiagnosisKnowledge {
    public typealias Snapshot = TiKVSnapshot

    public let thresholds: TiKVThresholds
    let prometheus: PrometheusAPI?
    let observer: TiKVObserver?

    public init(thresholds: TiKVThresholds = .init(), prometheus: PrometheusAPI? = nil, observer: TiKVObserver? = nil) {
        self.thresholds = thresholds
        self.prometheus = prometheus
        self.observer = observer
    }

    public var taxonomy: [DiagnosisCategory] { TiKVCategory.all }

    public var rules: [DiagnosisRule] { TiKVRules.all(thresholds) }

    public func causalLinks(among violations: [Violation], in snapshot: TiKVSnapshot) -> [CausalLink] {
        TiKVCausalLinks.links(among: violations, in: snapshot) + TiKVAlertMapping.links(among: violations)
    }

    public func alertEntity(labels: [String: String], in snapshot: TiKVSnapshot?) -> Entity {
        TiKVAlertMapping.entity(labels: labels, in: snapshot)
    }

    public func gatherEvidence(for request: EvidenceRequest, snapshot: TiKVSnapshot?) async -> DiagnosisEvidence {
        await TiKVEvidenceGatherer(thresholds: thresholds, prometheus: prometheus, observer: observer)
            .gather(for: request, snapshot: snapshot)
    }
}

/// The TiKV diagnosis taxonomy.
public enum TiKVCategory {
    public static let nodeDown = "node-down"
    public static let diskFull = "disk-full"
    public static let slowDisk = "slow-disk"
    public static let overload = "overload"
    public static let replicationDegraded = "replication-degraded"
    public static let leaderImbalance = "leader-imbalance"
    public static let networkLag = "network-lag"
    public static let controlPlaneDown = "control-plane-down"
    public static let writeStall = "write-stall"
    public static let restartLoop = "restart-loop"
    public static let networkPartition = "network-partition"
    public static let slowStore = "slow-store"
    public static let pdLeaderSwitch = "pd-leader-switch"
    public static let pendingPeers = "pending-peers"
    public static let tooManyRegions = "too-many-regions"

    public static let all: [DiagnosisCategory] = [
        .init(nodeDown, "a TiKV store's process or host is down or unreachable"),
        .init(diskFull, "a store is running out of disk space"),
        .init(slowDisk, "a store's disk is slow: Raft append/apply latency and slow score are high"),
        .init(overload, "a store is saturated by load: a QPS or CPU surge, a hot spot"),
        .init(replicationDegraded, "regions lack healthy replicas without a store being down (scheduling, removal)"),
        .init(leaderImbalance, "Raft leaders are concentrated on some stores"),
        .init(networkLag, "the network between a store and its peers is slow: Raft log lag and commit latency rise"),
        .init(controlPlaneDown, "PD, the control plane, lost its leader or a member"),
        .init(writeStall, "RocksDB stalls a running store's writes (compaction behind): writes wait or fail as ServerIsBusy"),
        .init(restartLoop, "a store's process keeps dying and restarting (an OOM kill loop): its start time resets again and again"),
        .init(networkPartition, "a live store is cut off from PD and its peers: PD says Disconnected while its status port answers"),
        .init(slowStore, "PD finds a store slow (slow_score at 100) and its evict-slow-store-scheduler moved its leaders away"),
        .init(pdLeaderSwitch, "PD's leadership keeps moving between members: the leader cannot keep its lease"),
        .init(pendingPeers, "a running store's peers do not catch up: its regions stay pending-peer, its snapshots stay applying"),
        .init(tooManyRegions, "a store holds more regions than raftstore can tick (over 20000): raftstore CPU near its pool, requests wait"),
    ]
}
