import Foundation

/// A member whose metrics should be read, at its client URL.
public struct EtcdMetricsTarget: Sendable, Hashable {
    public var id: EtcdMemberID
    public var clientURL: String

    public init(id: EtcdMemberID, clientURL: String) {
        self.id = id
        self.clientURL = clientURL
    }
}

/// One round of metrics for the cluster: per member, what was read or why not.
public struct EtcdMetricsReading: Sendable {
    /// Where the numbers came from, for messages and evidence (`scrape`, `prometheus http://…`).
    public var source: String
    public var members: [EtcdMemberID: EtcdMemberMetrics]
    public var errors: [EtcdMemberID: String]
    /// Set when the source as a whole failed (Prometheus unreachable).
    public var sourceError: String?

    public init(
        source: String, members: [EtcdMemberID: EtcdMemberMetrics] = [:], errors: [EtcdMemberID: String] = [:],
        sourceError: String? = nil
    ) {
        self.source = source
        self.members = members
        self.errors = errors
        self.sourceError = sourceError
    }
}

/// Where metrics come from: each member's `/metrics` scraped directly, or a Prometheus server.
public protocol EtcdMetricsSource: Sendable {
    /// `scrape` or `prometheus <url>`.
    var name: String { get }
    /// Reads every target. Never throws: failures are reported per member or for the whole source.
    func read(_ targets: [EtcdMetricsTarget], window: Duration) async -> EtcdMetricsReading
}
