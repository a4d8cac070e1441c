import NIOCore
import NIOHTTP1
import Synchronization

/// A response as ``OperatorHTTPClient/fetch(_:deadline:maxBodyBytes:client:)`` returns it: complete, body included.
public struct HTTPFetchResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: ByteBuffer

    public init(status: Int, headers: HTTPHeaders, body: ByteBuffer) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// How far one fetch has got: read by the deadline error and by ``InFlightRequests``.
final class HTTPFetchProgress: Sendable {
    struct State: Sendable {
        var phase: HTTPFetchError.Phase = .awaitingHeaders
        var bytesReceived = 0
    }

    private let state = Mutex(State())

    var snapshot: State { state.withLock { $0 } }

    func headersArrived() { state.withLock { $0.phase = .readingBody } }
    func received(_ bytes: Int) { state.withLock { $0.bytesReceived += bytes } }
}
