import AsyncHTTPClient
import Foundation
import OperatorHTTP
import PrometheusClient

/// A store whose metrics are wanted: its id and the status address PD reports for it.
public struct StoreMetricsTarget: Sendable, Hashable {
    public var storeID: UInt64
    /// `host:port` of the TiKV status server (`tikv1:20180`), as in PD's `status_address`.
    public var statusAddress: String
    /// Why PD flags this store (not Up, slow score above 1, busy, low on space), or `nil`: a flagged
    /// store's page is read every tick, the others' in turn (``StoreScrapeRotation``).
    public var flag: String?

    public init(storeID: UInt64, statusAddress: String, flag: String? = nil) {
        self.storeID = storeID
        self.statusAddress = statusAddress
        self.flag = flag
    }

    var baseURL: String { statusAddress.contains("://") ? statusAddress : "http://" + statusAddress }
    public var metricsURL: String { baseURL + "/metrics" }
    public var statusURL: String { baseURL + "/status" }

    /// The address as a Prometheus `instance` label would spell it: lower-case `host:port`, with
    /// `localhost` read as `127.0.0.1`.
    var instanceKey: String { Self.instanceKey(statusAddress) }

    static func instanceKey(_ address: String) -> String {
        var s = address.lowercased()
        if let r = s.range(of: "://") { s = String(s[r.upperBound...]) }
        if let slash = s.firstIndex(of: "/") { s = String(s[..<slash]) }
        if s.hasPrefix("localhost:") { s = "127.0.0.1:" + s.dropFirst("localhost:".count) }
        return s
    }
}

/// One round of store metrics.
public struct StoreMetricsReading: Sendable {
    /// `prometheus` or `direct`.
    public var source: String
    public var metrics: [UInt64: StoreMetrics] = [:]
    /// Why a store has no metrics (scrape failed, no series in Prometheus).
    public var errors: [UInt64: String] = [:]
    /// Whether each store's status server answered, where it was asked.
    public var statusReachable: [UInt64: Bool] = [:]
    public var statusErrors: [UInt64: String] = [:]
    /// Why the source as a whole failed (Prometheus unreachable); then no store has metrics.
    public var sourceError: String?
    /// Partial failures worth reporting (one query failed).
    public var notes: [String] = []

    public init(source: String) {
        self.source = source
    }
}

/// Where store metrics come from: Prometheus, or each store's `/metrics` directly.
public protocol StoreMetricsSource: Sendable {
    var name: String { get }
    func read(_ targets: [StoreMetricsTarget]) async -> StoreMetricsReading
}

/// Asks a store's status server `/status` (200, empty body when alive, tikv-interfaces.md §4).
struct StatusProbe: Sendable {
    let timeout: Duration
    let httpClient: HTTPClient

    func probe(_ target: StoreMetricsTarget) async -> (reachable: Bool, error: String?) {
        var request = HTTPClientRequest(url: target.statusURL)
        request.method = .GET
        do {
            // TiKV answers /status with an empty body; anything big is not a TiKV status server.
            let response = try await OperatorHTTPClient.fetch(request, deadline: timeout, maxBodyBytes: 64 << 10, client: httpClient)
            if response.status == 200 { return (true, nil) }
            return (true, "\(target.statusURL) answered HTTP \(response.status)")
        } catch {
            if case .bodyTooLarge = error.kind { return (true, "\(target.statusURL): \(error.reason)") }
            return (false, "\(target.statusURL): \(error.reason)")
        }
    }
}
