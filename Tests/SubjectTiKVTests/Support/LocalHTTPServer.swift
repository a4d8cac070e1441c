import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Runs Hummingbird routers on 127.0.0.1 with OS-assigned ports for the duration of `body`, then stops them
/// by graceful shutdown whether `body` succeeds or throws.
func withLocalHTTPServers<T: Sendable>(
    _ routers: [Router<BasicRequestContext>], _ body: @Sendable (_ baseURLs: [String]) async throws -> T
) async throws -> T {
    var logger = Logger(label: "test.http-server")
    logger.logLevel = .warning
    var apps: [any Service] = []
    var portStreams: [AsyncStream<Int>] = []
    var continuations: [AsyncStream<Int>.Continuation] = []
    for router in routers {
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        portStreams.append(stream)
        continuations.append(continuation)
        apps.append(
            Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { channel in
                    continuation.yield(channel.localAddress?.port ?? 0)
                    continuation.finish()
                }, logger: logger))
    }
    let services = ServiceGroup(configuration: .init(services: apps, gracefulShutdownSignals: [], logger: logger))
    let allContinuations = continuations
    let streams = portStreams
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            // If a server fails to start, end the port streams so the caller does not wait forever.
            defer { for c in allContinuations { c.finish() } }
            try await services.run()
        }
        var urls: [String] = []
        for stream in streams {
            var iterator = stream.makeAsyncIterator()
            if let port = await iterator.next(), port > 0 { urls.append("http://127.0.0.1:\(port)") }
        }
        let result: Result<T, any Error>
        if urls.count == streams.count {
            do { result = .success(try await body(urls)) } catch { result = .failure(error) }
        } else {
            result = .failure(TestServerError(message: "a test HTTP server did not report its port"))
        }
        await services.triggerGracefulShutdown()
        try await group.waitForAll()
        return try result.get()
    }
}

func withLocalHTTPServer<T: Sendable>(
    _ router: Router<BasicRequestContext>, _ body: @Sendable (_ baseURL: String) async throws -> T
) async throws -> T {
    try await withLocalHTTPServers([router]) { try await body($0[0]) }
}

/// A port on 127.0.0.1 with nothing listening: bound by the OS, then released.
func closedLocalPort() async throws -> Int {
    try await withLocalHTTPServer(Router()) { url in
        guard let port = URLComponents(string: url)?.port else { throw TestServerError(message: "no port in \(url)") }
        return port
    }
}

struct TestServerError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// A response with a fixed status, content type and body.
struct CannedResponse: ResponseGenerator {
    var status: HTTPResponse.Status = .ok
    var contentType = "application/json"
    var body: String

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
