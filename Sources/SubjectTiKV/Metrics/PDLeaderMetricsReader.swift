import AsyncHTTPClient
import OperatorHTTP
import Foundation
import Logging
import PrometheusClient

/// Region health counts from the PD leader's own `/metrics` (on its client URL):
/// `pd_regions_status{type="miss-peer-region-count"}` and friends, with **hyphens** — the official
/// PD_miss_peer_region_count rule matches underscores and never fires (tikv-interfaces.md §2.2, §2.3).
///
/// One page per tick whatever the number of regions: PD keeps these counters. Only the leader's page counts
/// (followers export stale numbers), so a page is accepted when `service_member_role{service="PD"}` or
/// `etcd_server_is_leader` is 1 on it.
public actor PDLeaderMetricsReader {
    let timeout: Duration
    let httpClient: HTTPClient
    let logger: Logger
    /// The metrics URL that last turned out to be the leader's, tried first next time.
    private var lastLeaderURL: String?

    public init(timeout: Duration = .seconds(3), httpClient: HTTPClient = OperatorHTTPClient.shared,
        logger: Logger = Logger(label: "operator.tikv.pd-metrics"))
    {
        self.timeout = timeout
        self.httpClient = httpClient
        self.logger = logger
    }

    public struct Reading: Sendable {
        public var page: MetricsPage
        public var url: String
    }

    /// Reads the leader's page. `leaderClientURLs` come from `/members`; `configured` are the endpoints the
    /// user gave (the leader's advertised URL may not resolve from here, e.g. `http://pd1:2379` in compose).
    public func read(leaderClientURLs: [String], configured: [String]) async throws -> Reading {
        var candidates: [String] = []
        func add(_ base: String) {
            let url = PDClient.normalize(base) + "/metrics"
            if !base.isEmpty, !candidates.contains(url) { candidates.append(url) }
        }
        let leaderSet = Set(leaderClientURLs.map(PDClient.normalize))
        if let last = lastLeaderURL { candidates.append(last) }
        for c in configured where leaderSet.contains(PDClient.normalize(c)) { add(c) }
        // Configured endpoints before advertised ones: advertised names (`http://pd1:2379` in compose) may
        // not resolve from here, and a failed connection costs a whole timeout.
        for c in configured { add(c) }
        for l in leaderClientURLs { add(l) }

        var problems: [String] = []
        for url in candidates {
            do {
                let scrape = try await MetricsScraper(
                    url: url, timeout: timeout, families: Self.families, httpClient: httpClient, logger: logger
                ).scrape()
                if Self.isLeaderPage(scrape.page) {
                    lastLeaderURL = url
                    return Reading(page: scrape.page, url: url)
                }
                problems.append("\(url): not the PD leader")
            } catch {
                problems.append("\(error)")
            }
        }
        lastLeaderURL = nil
        throw PDLeaderMetricsError(tried: problems)
    }

    /// What is read from the page: leadership, and the region health counts (TiKVObserver). A PD page of a
    /// large cluster runs to tens of MB (tikv-at-scale.md §1.5); the rest of it is skipped unparsed.
    static let families = MetricFamilyFilter(families: ["service_member_role", "etcd_server_is_leader", "pd_regions_status"])

    static func isLeaderPage(_ page: MetricsPage) -> Bool {
        if let role = page.value("service_member_role", ["service": "PD"]) { return role == 1 }
        if let etcd = page.value("etcd_server_is_leader") { return etcd == 1 }
        return false
    }
}

public struct PDLeaderMetricsError: Error, CustomStringConvertible {
    public let tried: [String]
    public var description: String {
        "could not read the PD leader's /metrics (region health counts): "
            + (tried.isEmpty ? "no PD leader known" : tried.joined(separator: "; "))
    }
}
