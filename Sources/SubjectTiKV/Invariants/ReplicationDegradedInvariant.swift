import OperatorCore

/// `replication-degraded`: PD counts regions with missing, down, pending or offline peers. Read from
/// `/pd/api/v1/regions/check/<state>` (its leading `count`); with a Prometheus, cross-checked against
/// `pd_regions_status` with the real **hyphenated** types (the official PD_miss_peer_region_count rule
/// uses underscores and never fires, tikv-interfaces.md §2.3). A disagreement is shown, not fatal.
public struct ReplicationDegradedInvariant: Invariant {
    public let id = "replication-degraded"
    public let severity = Severity.warning
    public let summary: String
    public let minRegions: Int

    public init(minRegions: Int) {
        self.minRegions = minRegions
        self.summary = "no region is missing a replica or has a down, pending or offline peer"
    }

    public func unavailableReason(in snapshot: TiKVSnapshot) -> String? {
        snapshot.regions == nil ? "region health counts are unavailable: \(snapshot.regionsError ?? "unknown")" : nil
    }

    public func failedSource(in snapshot: TiKVSnapshot) -> String? {
        snapshot.regions == nil ? snapshot.regionsError : nil
    }

    public func evaluate(_ snapshot: TiKVSnapshot) -> [Violation] {
        guard let regions = snapshot.regions else { return [] }
        let degraded = regions.degraded.filter { $0.value >= minRegions }
        guard !degraded.isEmpty else { return [] }
        let ordered = RegionHealth.degradingChecks.filter { degraded[$0] != nil }
        let text = ordered.map { "\(degraded[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
        // Missing or down replicas put data one failure away from loss; pending alone is lag.
        let serious = (degraded[.missPeer] ?? 0) > 0 || (degraded[.downPeer] ?? 0) > 0
        var counts: [String: JSONValue] = [:]
        for c in ordered { counts[c.rawValue] = .number(Double(degraded[c] ?? 0)) }
        let ages: [String: JSONValue] = (regions.ageSeconds ?? [:]).mapValues { JSONValue.number($0) }
        var metricCounts = JSONValue.null
        if let metric = regions.metricCounts {
            metricCounts = .object(metric.mapValues { n in JSONValue.number(Double(n)) })
        }
        return [
            violation(
                on: .cluster,
                "regions with degraded replication: \(text)"
                    + (regions.total.map { " of \($0) regions" } ?? ""),
                excerpt: [
                    "counts": .object(counts), "total_regions": JSONValue(regions.total),
                    "source": .string(regions.source), "max_replicas": JSONValue(snapshot.maxReplicas),
                    "count_age_seconds": .object(ages), "metric_counts": metricCounts,
                    "disagreements": .array((regions.disagreements ?? []).map { JSONValue.string($0) }),
                ],
                severity: serious ? .critical : .warning)
        ]
    }
}
