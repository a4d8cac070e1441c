import AsyncHTTPClient
import NIOCore

/// The one HTTP client every cluster and model client in Operator uses.
///
/// Configured for watching clusters, not for surviving flaky networks: a refused connection is a dead
/// node, the most important thing a monitor can learn, so it must surface at once instead of being
/// retried until the request deadline (AsyncHTTPClient's default, which turns a refusal into a timeout).
public enum OperatorHTTPClient {
    public static let shared: HTTPClient = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration(dnsOverride: [:]))

    /// The settings of ``shared``; `dnsOverride` connects to another address than the URL's host while the
    /// certificate is checked against that host (how `tls.server_name` is done: see `ServerNameRoute`).
    static func configuration(dnsOverride: [String: String]) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(2)
        // TiKV serves /metrics gzip-compressed when asked; responses are bounded by each caller.
        configuration.decompression = .enabled(limit: .ratio(50))
        configuration.httpVersion = .http1Only
        configuration.dnsOverride = dnsOverride
        return configuration
    }
}
