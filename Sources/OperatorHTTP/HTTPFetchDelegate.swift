import AsyncHTTPClient
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

/// Collects one response and records how far the exchange got, so a deadline can say what was slow.
///
/// AsyncHTTPClient's own deadline stops at the response head; this delegate sees every stage (request head
/// written = connected, head received, each body part) and refuses bodies over the cap as they arrive, so
/// an oversized answer is never held whole.
final class HTTPFetchDelegate: HTTPClientResponseDelegate, Sendable {
    typealias Response = HTTPFetchResponse

    struct Progress: Sendable {
        var phase: HTTPFetchError.Phase = .connecting
        var bytesReceived = 0
        var status = 0
        var headers = HTTPHeaders()
        /// Why the delegate itself stopped the exchange (the body was too large).
        var refusal: HTTPFetchError.Kind?
    }

    let maxBodyBytes: Int
    private let progress = Mutex(Progress())
    private let body = Mutex(ByteBuffer())

    init(maxBodyBytes: Int) {
        self.maxBodyBytes = max(0, maxBodyBytes)
    }

    var snapshot: Progress { progress.withLock { $0 } }

    func didSendRequestHead(task: HTTPClient.Task<Response>, _ head: HTTPRequestHead) {
        progress.withLock { p in if p.phase == .connecting { p.phase = .awaitingHeaders } }
    }

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        let declared = head.headers.first(name: "content-length").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let tooLarge = declared.map { $0 > maxBodyBytes } ?? false
        progress.withLock { p in
            p.phase = .readingBody
            p.status = Int(head.status.code)
            p.headers = head.headers
            p.bytesReceived = 0
            if tooLarge { p.refusal = .bodyTooLarge(limit: maxBodyBytes, declaredLength: declared) }
        }
        body.withLock { b in
            b.clear()
            // A declared length is allocated once instead of by doubling as the parts arrive.
            if !tooLarge, let declared, declared > 0 { b.reserveCapacity(declared) }
        }
        if tooLarge {
            task.fail(reason: Refused())
            return task.eventLoop.makeFailedFuture(Refused())
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let total = progress.withLock { p in
            p.bytesReceived += buffer.readableBytes
            if p.bytesReceived > maxBodyBytes { p.refusal = .bodyTooLarge(limit: maxBodyBytes, declaredLength: nil) }
            return p.bytesReceived
        }
        guard total <= maxBodyBytes else {
            task.fail(reason: Refused())
            return task.eventLoop.makeFailedFuture(Refused())
        }
        body.withLock { b in
            var part = buffer
            b.writeBuffer(&part)
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> Response {
        let p = snapshot
        let collected = body.withLock { b in
            let out = b
            b = ByteBuffer()
            return out
        }
        return HTTPFetchResponse(status: p.status, headers: p.headers, body: collected)
    }

    /// Marks an exchange this delegate stopped; the reason is in ``Progress/refusal``.
    struct Refused: Error {}
}
