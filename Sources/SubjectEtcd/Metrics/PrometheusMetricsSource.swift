import Foundation
import Logging
import PrometheusClient

/// Reads member metrics from a Prometheus server that scrapes the cluster, one PromQL query per value,
/// matching series to members by the `instance` label (`127.0.0.1:2379`, the client URL's host:port, as in
/// etcd-prometheus-observed.md §B).
public struct PrometheusMetricsSource: EtcdMetricsSource {
    public let api: PrometheusAPI
    public var name: String { "prometheus \(api.baseURL)" }

    public init(baseURL: String, timeout: Duration, logger: Logger = Logger(label: "operator.etcd.prometheus")) {
        api = PrometheusAPI(baseURL: baseURL, timeout: timeout, logger: logger)
    }

    /// What each query fills in.
    enum Field: CaseIterable {
        case hasLeader, isLeader, proposalsPending, proposalsCommitted, proposalsApplied, dbSize, quota
        case leaderChanges, proposalsFailed, slowApplies, heartbeatFailures, walFsync, walFsyncCount, backendCommit
        case peerRoundTrip, activePeers

        func query(window w: String) -> String {
            typealias N = EtcdMetricNames
            switch self {
            case .hasLeader: return N.hasLeader
            case .isLeader: return N.isLeader
            case .proposalsPending: return N.proposalsPending
            case .proposalsCommitted: return N.proposalsCommitted
            case .proposalsApplied: return N.proposalsApplied
            case .dbSize: return N.dbTotalSize
            case .quota: return N.quotaBackendBytes
            case .leaderChanges: return "increase(\(N.leaderChanges)[\(w)])"
            case .proposalsFailed: return "increase(\(N.proposalsFailed)[\(w)])"
            case .slowApplies: return "increase(\(N.slowApply)[\(w)])"
            case .heartbeatFailures: return "increase(\(N.heartbeatSendFailures)[\(w)])"
            case .walFsync: return "histogram_quantile(0.99, sum by (instance, le) (rate(\(N.walFsync)_bucket[\(w)])))"
            case .walFsyncCount: return "increase(\(N.walFsync)_count[\(w)])"
            case .backendCommit:
                return "histogram_quantile(0.99, sum by (instance, le) (rate(\(N.backendCommit)_bucket[\(w)])))"
            case .peerRoundTrip:
                return "histogram_quantile(0.99, sum by (instance, To, le) (rate(\(N.peerRoundTrip)_bucket[\(w)])))"
            case .activePeers: return N.activePeers
            }
        }
    }

    public func read(_ targets: [EtcdMetricsTarget], window: Duration) async -> EtcdMetricsReading {
        let w = "\(max(Int(checking: window.seconds, rounding: .toNearestOrAwayFromZero) ?? 1, 1))s"
        let api = self.api
        let results = await withTaskGroup(of: (Field, Result<[PrometheusVectorSample], QueryFailure>).self) { group in
            for field in Field.allCases {
                group.addTask {
                    do {
                        return (field, .success(try await api.queryVector(field.query(window: w))))
                    } catch {
                        return (field, .failure(QueryFailure(message: "\(error)")))
                    }
                }
            }
            var out: [Field: Result<[PrometheusVectorSample], QueryFailure>] = [:]
            for await (field, result) in group { out[field] = result }
            return out
        }
        var reading = EtcdMetricsReading(source: name)
        let failures = results.compactMap { _, r -> String? in
            if case .failure(let f) = r { return f.message }
            return nil
        }
        if failures.count == Field.allCases.count {
            reading.sourceError = failures.first
            for t in targets { reading.errors[t.id] = "Prometheus did not answer: \(failures[0])" }
            return reading
        }
        let instances = Dictionary(targets.compactMap { t in Self.instance(of: t.clientURL).map { ($0, t.id) } }) { a, _ in a }
        var metrics: [EtcdMemberID: EtcdMemberMetrics] = [:]
        var seen: Set<EtcdMemberID> = []
        for (field, result) in results {
            guard case .success(let samples) = result else { continue }
            for sample in samples {
                guard let instance = sample.metric["instance"], let id = instances[instance] else { continue }
                // `up` series of a dead target vanish at once (staleness, §B); gauges are what prove presence.
                if field == .hasLeader { seen.insert(id) }
                Self.apply(field, sample, to: &metrics[id, default: EtcdMemberMetrics()])
            }
        }
        for t in targets {
            if seen.contains(t.id), var m = metrics[t.id] {
                m.windowSeconds = window.seconds
                reading.members[t.id] = m
            } else {
                let instance = Self.instance(of: t.clientURL) ?? t.clientURL
                reading.errors[t.id] =
                    "Prometheus \(api.baseURL) has no current \(EtcdMetricNames.hasLeader) series with instance=\"\(instance)\"; the target is down or not scraped"
            }
        }
        return reading
    }

    struct QueryFailure: Error { var message: String }

    static func apply(_ field: Field, _ sample: PrometheusVectorSample, to m: inout EtcdMemberMetrics) {
        let v = sample.value
        switch field {
        case .hasLeader: m.hasLeader = v > 0
        case .isLeader: m.isLeader = v > 0
        case .proposalsPending: m.proposalsPending = v
        case .proposalsCommitted: m.proposalsCommittedTotal = v
        case .proposalsApplied: m.proposalsAppliedTotal = v
        // Sizes decide db-size-near-quota: an infinite or negative one is unknown, not a verdict.
        case .dbSize: m.dbTotalSizeBytes = v.isFinite && v >= 0 ? v : nil
        case .quota: m.quotaBackendBytes = v.isFinite && v > 0 ? v : nil
        case .leaderChanges: m.leaderChangesInWindow = v
        case .proposalsFailed: m.proposalsFailedInWindow = v
        case .slowApplies: m.slowAppliesInWindow = v
        case .heartbeatFailures: m.heartbeatSendFailuresInWindow = v
        case .walFsync: m.walFsyncP99Seconds = v
        case .walFsyncCount: m.walFsyncsInWindow = v
        case .backendCommit: m.backendCommitP99Seconds = v
        case .peerRoundTrip:
            if let to = sample.metric["To"] { m.peerRoundTripP99Seconds[to.lowercased()] = v }
        case .activePeers:
            if let remote = sample.metric["Remote"] { m.activePeers[remote.lowercased()] = v }
        }
    }

    /// `http://127.0.0.1:2379` → `127.0.0.1:2379`, Prometheus's default `instance` label.
    static func instance(of clientURL: String) -> String? {
        guard let url = URL(string: clientURL), let host = url.host else { return nil }
        let port = url.port ?? (url.scheme == "https" ? 443 : 80)
        return "\(host):\(port)"
    }
}
