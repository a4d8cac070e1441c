import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

extension OperatorHTTPClient {
    /// Performs one request with a total deadline and a body cap. Every request Operator makes goes through here.
    ///
    /// The deadline covers the whole exchange: connecting, waiting for the headers and reading the body.
    /// (AsyncHTTPClient's own deadline stops at the headers, so a server that drips its body could hold a
    /// caller forever.) When it runs out, or the body outgrows `maxBodyBytes`, the request is failed, which
    /// closes its connection: nothing keeps reading afterwards. Cancelling the calling task does the same.
    ///
    /// Callers set method, headers and body on `request` as usual (credentials included) and get back the
    /// status, headers and the whole body, or an ``HTTPFetchError`` naming the URL, the stage that was slow,
    /// the bytes received so far and the budget.
    public static func fetch(
        _ request: HTTPClientRequest, deadline budget: Duration, maxBodyBytes: Int, client: HTTPClient = shared
    ) async throws(HTTPFetchError) -> HTTPFetchResponse {
        let method = request.method.rawValue
        func failure(_ kind: HTTPFetchError.Kind) -> HTTPFetchError {
            HTTPFetchError(method: method, url: request.url, budget: budget, kind: kind)
        }
        let prepared: HTTPClient.Request
        do {
            prepared = try await prepare(request)
        } catch {
            throw failure(.transport("cannot send the request (\(HTTPTransportErrorText.describe(error))); check the URL"))
        }
        let delegate = HTTPFetchDelegate(maxBodyBytes: maxBodyBytes)
        let tracked = InFlightRequests.current?.begin(method: method, url: request.url, delegate: delegate)
        defer { tracked?.end() }

        let task = client.execute(request: prepared, delegate: delegate, eventLoop: .indifferent, deadline: nil)
        let deadlineHit = Mutex(false)
        let timer = task.eventLoop.scheduleTask(in: .nanoseconds(budget.nanosecondsClamped)) {
            deadlineHit.withLock { $0 = true }
            task.fail(reason: DeadlineReached())
        }
        defer { timer.cancel() }

        do {
            return try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
        } catch {
            let progress = delegate.snapshot
            if let refusal = progress.refusal { throw failure(refusal) }
            if deadlineHit.withLock({ $0 }) {
                throw failure(.deadlineExceeded(progress.phase, bytesReceived: progress.bytesReceived))
            }
            if Task.isCancelled || error is CancellationError || (error as? HTTPClientError) == .cancelled {
                throw failure(.cancelled)
            }
            throw failure(.transport(HTTPTransportErrorText.describe(error)))
        }
    }

    /// The same request in the form the delegate API takes; a streamed body is gathered first (Operator's
    /// request bodies are small JSON documents).
    private static func prepare(_ request: HTTPClientRequest) async throws -> HTTPClient.Request {
        var body: HTTPClient.Body?
        if let source = request.body {
            var bytes = ByteBuffer()
            for try await part in source {
                var chunk = part
                bytes.writeBuffer(&chunk)
            }
            body = .byteBuffer(bytes)
        }
        return try HTTPClient.Request(url: request.url, method: request.method, headers: request.headers, body: body)
    }

    struct DeadlineReached: Error {}
}

extension Duration {
    /// Nanoseconds, saturating instead of trapping on absurd values from configuration; never negative.
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        guard seconds < Int64.max / 1_000_000_000 - 1 else { return Int64.max }
        return max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
