import AsyncHTTPClient
import NIOCore

/// The HTTP client for health probes: like `HTTPClient.shared`, but a refused connection fails at once.
///
/// `HTTPClient.shared` retries connection establishment until the request's deadline, so probing a killed
/// member would always cost the whole timeout and end in "deadline exceeded" instead of "connection
/// refused". Created once and never shut down, like the shared client.
public enum ProbeHTTPClient {
    public static let shared: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(2), read: .seconds(30)),
            connectionPool: .init(idleTimeout: .seconds(30)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
