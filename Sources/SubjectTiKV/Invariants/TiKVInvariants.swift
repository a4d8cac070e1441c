import OperatorCore

/// Every invariant of the TiKV subject, in evaluation order. Ids are stable: they key tickets.
public enum TiKVInvariants {
    public static func all(_ t: TiKVThresholds) -> [any Invariant<TiKVSnapshot>] {
        [
            StoreDownInvariant(),
            StoreLowSpaceInvariant(lowSpaceRatio: t.lowSpaceRatio),
            LatencyHighInvariant(thresholdSeconds: t.latencyP99Seconds),
            ReplicationDegradedInvariant(minRegions: t.replicationDegradedMinRegions),
            PDUnhealthyInvariant(),
            LeaderImbalanceInvariant(ratio: t.leaderImbalanceRatio, minMeanLeaders: t.leaderImbalanceMinLeaders),
            SlowStoreInvariant(threshold: t.slowScore),
            RaftLagInvariant(thresholdEntries: t.raftLogLagEntries),
            CPUHighInvariant(quotaRatio: t.cpuQuotaRatio),
            WriteStallInvariant(),
            RestartLoopInvariant(),
            StoreIsolatedInvariant(),
            PDLeaderSwitchingInvariant(),
            PendingPeersInvariant(),
            RegionCountHighInvariant(max: t.regionCountMax),
        ]
    }
}

/// Small formatting helpers shared by the invariants' messages.
enum Format {
    static func percent(_ ratio: Double) -> String { String(format: "%.1f%%", ratio * 100) }
    static func seconds(_ s: Double) -> String { DurationText.format(seconds: s) }
    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(format: "%.3g", v)
    }
    static func bytes(_ b: Double) -> String { ByteSize(bytes: b).description }
}

extension JSONValue {
    init(_ v: Double?) { self = v.map { .number($0) } ?? .null }
    init(_ v: Int?) { self = v.map { .number(Double($0)) } ?? .null }
    init(_ v: String?) { self = v.map { .string($0) } ?? .null }
    init(_ v: Bool?) { self = v.map { .bool($0) } ?? .null }
}
