import Hummingbird
import Synchronization

/// A loopback server that answers 404 to everything and counts what it was asked: for checks that
/// something (a subject's `make`) does no network I/O.
public final class CountingServer: Sendable {
    public let server: LoopbackServer
    private let counter: Counter

    final class Counter: Sendable {
        let value = Mutex(0)
    }

    public var baseURL: String { server.baseURL }
    public var requests: Int { counter.value.withLock { $0 } }

    private init(server: LoopbackServer, counter: Counter) {
        self.server = server
        self.counter = counter
    }

    public static func start() async throws -> CountingServer {
        let counter = Counter()
        let server = try await LoopbackServer.start { router in
            router.on("**", method: .get) { _, _ -> Response in
                counter.value.withLock { $0 += 1 }
                return Response(status: .notFound)
            }
            router.on("**", method: .post) { _, _ -> Response in
                counter.value.withLock { $0 += 1 }
                return Response(status: .notFound)
            }
        }
        return CountingServer(server: server, counter: counter)
    }
}
