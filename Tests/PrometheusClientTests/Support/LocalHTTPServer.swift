import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Runs a Hummingbird router on 127.0.0.1 with an OS-assigned port for the duration of `body`, and stops it
/// afterwards whether `body` succeeds or throws.
func withLocalHTTPServer<T: Sendable>(
    _ router: Router<BasicRequestContext>, _ body: @Sendable (_ baseURL: String) async throws -> T
) async throws -> T {
    let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
    var logger = Logger(label: "test.http-server")
    logger.logLevel = .warning
    let app = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        },
        logger: logger
    )
    // Stopped by graceful shutdown (not cancellation) so open connections close cleanly.
    let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            // If the server fails to start, end the port stream so the caller does not wait forever.
            defer { portContinuation.finish() }
            try await services.run()
        }
        let result: Result<T, any Error>
        var iterator = portStream.makeAsyncIterator()
        if let port = await iterator.next(), port > 0 {
            do {
                result = .success(try await body("http://127.0.0.1:\(port)"))
            } catch {
                result = .failure(error)
            }
        } else {
            result = .failure(LocalServerError(message: "test HTTP server did not report a port"))
        }
        await services.triggerGracefulShutdown()
        try await group.waitForAll()
        return try result.get()
    }
}

/// A port on 127.0.0.1 with nothing listening: bound by the OS, then released.
func closedLocalPort() async throws -> Int {
    try await withLocalHTTPServer(Router()) { url in
        guard let port = URLComponents(string: url)?.port else { throw LocalServerError(message: "no port in \(url)") }
        return port
    }
}

struct LocalServerError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// A response with a fixed status, content type and body.
struct CannedResponse: ResponseGenerator {
    var status: HTTPResponse.Status = .ok
    var contentType = "application/json"
    var body: String

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: status, headers: [.contentType: contentType],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
