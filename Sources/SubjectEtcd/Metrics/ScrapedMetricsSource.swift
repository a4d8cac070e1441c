import Foundation
import Logging
import PrometheusClient

/// Reads each member's `/metrics` on its client URL (etcd 3.4 serves it there by default, §A) and keeps a
/// window of readings per member, so counters become increases and histograms quantiles over the window —
/// what PromQL's `increase()` and `histogram_quantile(rate())` would give, without a Prometheus server.
public final class ScrapedMetricsSource: EtcdMetricsSource {
    public let name = "scrape"
    private let timeout: Duration
    private let history = History()
    private let logger: Logger

    public init(timeout: Duration, logger: Logger = Logger(label: "operator.etcd.metrics")) {
        self.timeout = timeout
        self.logger = logger
    }

    public func read(_ targets: [EtcdMetricsTarget], window: Duration) async -> EtcdMetricsReading {
        let timeout = self.timeout
        let logger = self.logger
        let scraped = await withTaskGroup(of: (EtcdMemberID, Result<EtcdMetricsSample, ScrapeFailure>).self) { group in
            for target in targets {
                group.addTask {
                    let url = EtcdGatewayClient.join(target.clientURL, "/metrics")
                    do {
                        let scrape = try await MetricsScraper(url: url, timeout: timeout, logger: logger).scrape()
                        let sample = EtcdMetricsSample(page: scrape.page, at: scrape.scrapedAt)
                        guard sample.isEtcdPage else {
                            return (target.id, .failure(ScrapeFailure(message: "\(url) has no etcd_server_* or etcd_mvcc_* metrics; is it an etcd member?")))
                        }
                        return (target.id, .success(sample))
                    } catch {
                        return (target.id, .failure(ScrapeFailure(message: "\(error)")))
                    }
                }
            }
            var out: [(EtcdMemberID, Result<EtcdMetricsSample, ScrapeFailure>)] = []
            for await item in group { out.append(item) }
            return out
        }
        var reading = EtcdMetricsReading(source: name)
        var fresh: [EtcdMemberID: EtcdMetricsSample] = [:]
        for (id, result) in scraped {
            switch result {
            case .success(let sample):
                fresh[id] = sample
                if !sample.malformed.isEmpty { reading.errors[id] = sample.malformed.joined(separator: "; ") }
            case .failure(let failure): reading.errors[id] = failure.message
            }
        }
        let windows = await history.record(fresh, keeping: Set(targets.map(\.id)), window: window)
        for (id, samples) in windows { reading.members[id] = Self.metrics(from: samples) }
        return reading
    }

    struct ScrapeFailure: Error { var message: String }

    /// Readings per member within the window. An actor: observations of one subject may overlap (a
    /// `status` while the monitor runs), and each must see a consistent history.
    actor History {
        private var samples: [EtcdMemberID: [EtcdMetricsSample]] = [:]

        /// Adds the new readings, forgets members no longer listed and readings older than the window,
        /// and returns the window of every member read just now.
        func record(
            _ fresh: [EtcdMemberID: EtcdMetricsSample], keeping members: Set<EtcdMemberID>, window: Duration
        ) -> [EtcdMemberID: [EtcdMetricsSample]] {
            samples = samples.filter { members.contains($0.key) }
            var out: [EtcdMemberID: [EtcdMetricsSample]] = [:]
            for (id, sample) in fresh {
                var list = samples[id, default: []]
                list.append(sample)
                let oldest = sample.at.addingTimeInterval(-window.seconds)
                list.removeAll { $0.at < oldest }
                samples[id] = list
                out[id] = list
            }
            return out
        }
    }

    /// The latest gauges, and counters and histograms over the readings in the window.
    static func metrics(from window: [EtcdMetricsSample]) -> EtcdMemberMetrics {
        guard let last = window.last, let first = window.first else { return EtcdMemberMetrics() }
        let span = window.count >= 2 ? last.at.timeIntervalSince(first.at) : nil
        var rtt: [String: Double] = [:]
        if window.count >= 2 {
            for peer in last.peerRoundTrip.keys {
                if let q = EtcdMetricsWindow.quantile(0.99, window, { $0.peerRoundTrip[peer] ?? [] }) { rtt[peer] = q }
            }
        }
        return EtcdMemberMetrics(
            hasLeader: last.hasLeader.map { $0 > 0 }, isLeader: last.isLeader.map { $0 > 0 },
            proposalsPending: last.proposalsPending, proposalsCommittedTotal: last.proposalsCommitted,
            proposalsAppliedTotal: last.proposalsApplied, dbTotalSizeBytes: last.dbTotalSize,
            quotaBackendBytes: last.quotaBackendBytes, windowSeconds: span,
            leaderChangesInWindow: EtcdMetricsWindow.increase(window, \.leaderChanges),
            proposalsFailedInWindow: EtcdMetricsWindow.increase(window, \.proposalsFailed),
            slowAppliesInWindow: EtcdMetricsWindow.increase(window, \.slowApply),
            heartbeatSendFailuresInWindow: EtcdMetricsWindow.increase(window, \.heartbeatSendFailures),
            walFsyncP99Seconds: EtcdMetricsWindow.quantile(0.99, window, \.walFsync),
            walFsyncsInWindow: EtcdMetricsWindow.increase(window, \.walFsyncCount),
            backendCommitP99Seconds: EtcdMetricsWindow.quantile(0.99, window, \.backendCommit),
            peerRoundTripP99Seconds: rtt, activePeers: last.activePeers)
    }
}
