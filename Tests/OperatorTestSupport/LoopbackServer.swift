import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A real HTTP server on 127.0.0.1 and a port the OS picked, for test doubles of remote systems.
///
/// ```swift
/// let server = try await LoopbackServer.start { router in router.get("/ping") { _, _ in "pong" } }
/// defer { server.stop() }
/// ```
public final class LoopbackServer: Sendable {
    public let port: Int
    private let task: Task<Void, any Error>
    private let group: ServiceGroup

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, task: Task<Void, any Error>, group: ServiceGroup) {
        self.port = port
        self.task = task
        self.group = group
    }

    public static func start(
        port: Int = 0, routes: (Router<BasicRequestContext>) -> Void
    ) async throws -> LoopbackServer {
        let router = Router()
        routes(router)
        return try await start(port: port, router: router)
    }

    /// Serves each GET path with the response its closure gives at request time (so a test can change
    /// it mid-run); any other path is Hummingbird's 404. For test targets that do not import Hummingbird.
    public static func start(serving routes: [String: @Sendable () -> CannedResponse]) async throws -> LoopbackServer {
        try await start { router in
            for (path, answer) in routes {
                router.get(RouterPath(path)) { _, _ in answer() }
            }
        }
    }

    public static func start(port: Int = 0, router: Router<BasicRequestContext>) async throws -> LoopbackServer {
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "test.loopback")
        logger.logLevel = .warning
        let app = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: logger)
        let group = ServiceGroup(services: [app], logger: logger)
        let task = Task { try await group.run() }
        var iterator = stream.makeAsyncIterator()
        guard let bound = await iterator.next(), bound > 0 else {
            task.cancel()
            throw StartFailure()
        }
        return LoopbackServer(port: bound, task: task, group: group)
    }

    /// Stops listening (gracefully); connections are refused once it has stopped.
    public func stop() {
        let group = self.group
        Task { await group.triggerGracefulShutdown() }
    }

    /// Stops and waits until the port is closed.
    public func stopAndWait() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    struct StartFailure: Error, CustomStringConvertible {
        var description: String { "the loopback test server did not start" }
    }
}

/// Requests a test double received, for assertions.
public final class RequestLog: Sendable {
    public struct Entry: Sendable {
        public var method: String
        public var path: String
        public var query: String?
        public var headers: [String: String]
        public var body: String
    }

    private let entries = Mutex<[Entry]>([])

    public init() {}

    public func record(_ request: Request, body: String) {
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let entry = Entry(method: request.method.rawValue, path: request.uri.path, query: request.uri.query, headers: headers, body: body)
        entries.withLock { $0.append(entry) }
    }

    public var all: [Entry] { entries.withLock { $0 } }
    public var paths: [String] { all.map(\.path) }
    public func count(path: String) -> Int { all.filter { $0.path == path }.count }
}

/// A fixed response a test double hands out (a Hummingbird `ResponseGenerator`, so routes can return it).
public struct CannedResponse: ResponseGenerator, Sendable {
    public var status: HTTPResponse.Status
    public var contentType: String
    public var headers: [String: String]
    public var body: String
    /// Wait this long before answering (slow servers, timeouts).
    public var delay: Duration

    public init(status: HTTPResponse.Status = .ok, contentType: String = "application/json", headers: [String: String] = [:],
                body: String, delay: Duration = .zero) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
        self.body = body
        self.delay = delay
    }

    public var response: Response {
        var fields = HTTPFields()
        fields[.contentType] = contentType
        for (k, v) in headers { if let name = HTTPField.Name(k) { fields[name] = v } }
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response { response }
}

/// Hands out scripted responses in order; the last one repeats.
public final class ResponseScript: Sendable {
    private let queue: Mutex<[CannedResponse]>

    public init(_ responses: [CannedResponse]) { queue = Mutex(responses) }

    public func next() -> CannedResponse {
        queue.withLock { q in q.count > 1 ? q.removeFirst() : q[0] }
    }
}

/// Runs `router` on a loopback port for the duration of `body`, stopping it afterwards whether `body`
/// succeeds or throws.
public func withLocalHTTPServer<T: Sendable>(
    _ router: Router<BasicRequestContext>, _ body: @Sendable (_ baseURL: String) async throws -> T
) async throws -> T {
    try await withLocalHTTPServers([router]) { try await body($0[0]) }
}

/// Runs several routers, each on its own loopback port, for the duration of `body`.
public func withLocalHTTPServers<T: Sendable>(
    _ routers: [Router<BasicRequestContext>], _ body: @Sendable (_ baseURLs: [String]) async throws -> T
) async throws -> T {
    var servers: [LoopbackServer] = []
    do {
        for router in routers { servers.append(try await LoopbackServer.start(router: router)) }
        let result = try await body(servers.map(\.baseURL))
        for s in servers { await s.stopAndWait() }
        return result
    } catch {
        for s in servers { await s.stopAndWait() }
        throw error
    }
}
