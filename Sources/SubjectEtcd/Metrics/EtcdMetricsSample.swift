import Foundation
import OperatorCore
import PrometheusClient

/// The values Operator keeps from one reading of one member's metrics: a few numbers instead of a 1,500-line
/// page, so a five-minute window of readings stays small.
struct EtcdMetricsSample: Sendable {
    var at: Date
    var hasLeader: Double?
    var isLeader: Double?
    var leaderChanges: Double?
    var proposalsFailed: Double?
    var proposalsPending: Double?
    var proposalsCommitted: Double?
    var proposalsApplied: Double?
    var slowApply: Double?
    var heartbeatSendFailures: Double?
    var dbTotalSize: Double?
    var quotaBackendBytes: Double?
    var walFsync: [HistogramBucket]
    var walFsyncCount: Double?
    var backendCommit: [HistogramBucket]
    /// By peer hex id (`To` label).
    var peerRoundTrip: [String: [HistogramBucket]]
    /// By peer hex id (`Remote` label).
    var activePeers: [String: Double]

    /// Values on the page that cannot be what they claim (`etcd_mvcc_db_total_size_in_bytes +Inf`), each
    /// naming its series; the field stays `nil`, so the value is unknown rather than a trap or a verdict.
    var malformed: [String] = []

    init(page: MetricsPage, at: Date) {
        typealias N = EtcdMetricNames
        self.at = at
        var malformed: [String] = []
        // Every scalar etcd series read here counts or measures something that exists: finite, >= 0.
        func value(_ name: String) -> Double? {
            guard let v = page.value(name) else { return nil }
            do throws(MalformedValue) {
                return try MalformedValue.nonNegative(v, field: name)
            } catch {
                malformed.append(error.description)
                return nil
            }
        }
        hasLeader = value(N.hasLeader)
        isLeader = value(N.isLeader)
        leaderChanges = value(N.leaderChanges)
        proposalsFailed = value(N.proposalsFailed)
        proposalsPending = value(N.proposalsPending)
        proposalsCommitted = value(N.proposalsCommitted)
        proposalsApplied = value(N.proposalsApplied)
        slowApply = value(N.slowApply)
        heartbeatSendFailures = value(N.heartbeatSendFailures)
        dbTotalSize = value(N.dbTotalSize)
        quotaBackendBytes = value(N.quotaBackendBytes)
        walFsync = page.buckets(ofHistogram: N.walFsync)[[:]] ?? []
        walFsyncCount = value(N.walFsync + "_count")
        backendCommit = page.buckets(ofHistogram: N.backendCommit)[[:]] ?? []
        var rtt: [String: [HistogramBucket]] = [:]
        for (labels, buckets) in page.buckets(ofHistogram: N.peerRoundTrip, by: ["To"]) {
            if let to = labels["To"] { rtt[to.lowercased()] = buckets }
        }
        peerRoundTrip = rtt
        var active: [String: Double] = [:]
        for (labels, value) in page.max(N.activePeers, by: ["Remote"]) {
            if let remote = labels["Remote"] { active[remote.lowercased()] = value }
        }
        activePeers = active
        self.malformed = malformed
    }

    /// Whether the page looked like an etcd server's at all.
    var isEtcdPage: Bool { hasLeader != nil || leaderChanges != nil || dbTotalSize != nil }
}

/// Window arithmetic over a member's readings, with the PrometheusClient helpers (counter resets,
/// histogram_quantile) so the numbers match what PromQL would give.
enum EtcdMetricsWindow {
    /// Increase of a counter across consecutive readings; a drop is a restart (the counter started over).
    static func increase(_ samples: [EtcdMetricsSample], _ value: (EtcdMetricsSample) -> Double?) -> Double? {
        let values = samples.compactMap(value)
        guard values.count >= 2 else { return nil }
        var total = 0.0
        for (old, new) in zip(values, values.dropFirst()) { total += CounterMath.increase(from: old, to: new) }
        return total
    }

    /// p-quantile of the observations made between the first and last reading; NaN when there were none.
    static func quantile(
        _ q: Double, _ samples: [EtcdMetricsSample], _ buckets: (EtcdMetricsSample) -> [HistogramBucket]
    ) -> Double? {
        guard samples.count >= 2, let first = samples.first, let last = samples.last else { return nil }
        let before = Dictionary(buckets(first).map { ($0.upperBound, $0.count) }, uniquingKeysWith: +)
        let after = buckets(last)
        guard !after.isEmpty else { return nil }
        // A restart in between resets every bucket: then only the last reading's counts are in the window.
        let restarted = after.contains { ($0.count) < (before[$0.upperBound] ?? 0) }
        let delta = after.map {
            HistogramBucket(upperBound: $0.upperBound, count: restarted ? $0.count : $0.count - (before[$0.upperBound] ?? 0))
        }
        return HistogramQuantile.quantile(q, buckets: delta)
    }
}
