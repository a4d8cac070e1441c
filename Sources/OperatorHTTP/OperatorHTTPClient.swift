import AsyncHTTPClient
import NIOCore

/// The one HTTP client every cluster and model client in Operator uses.
///
/// Configured for watching clusters, not for surviving flaky networks: a refused connection is a dead
/// node, the most important thing a monitor can learn, so it must surface at once instead of being
/// retried until the request deadline (AsyncHTTPClient's default, which turns a refusal into a timeout).
public enum OperatorHTTPClient {
    public static let shared: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(2)
        // TiKV serves /metrics gzip-compressed when asked; responses are bounded by each caller.
        configuration.decompression = .enabled(limit: .ratio(50))
        configuration.httpVersion = .http1Only
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
