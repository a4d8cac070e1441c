import AsyncHTTPClient
import Foundation
import NIOCore

extension OperatorHTTPClient {
    /// Performs one request with a total deadline and a body cap. Every request Operator makes goes through here.
    ///
    /// The deadline covers the whole exchange: connecting, waiting for the headers and reading the body.
    /// (AsyncHTTPClient's own deadline stops at the headers, so a server that drips its body could hold a
    /// caller forever.) The exchange races a timer; when the timer wins, or the body outgrows
    /// `maxBodyBytes`, the exchange's task is cancelled, which makes AsyncHTTPClient fail the request and
    /// close its connection: nothing keeps reading afterwards. Cancelling the calling task does the same.
    ///
    /// Callers set method, headers and body on `request` as usual (credentials included) and get back the
    /// status, headers and the whole body, or an ``HTTPFetchError`` naming the URL, the stage that was slow,
    /// the bytes received so far and the budget.
    public static func fetch(
        _ request: HTTPClientRequest, deadline budget: Duration, maxBodyBytes: Int, client: HTTPClient = shared
    ) async throws(HTTPFetchError) -> HTTPFetchResponse {
        let read = try await perform(request, deadline: budget, maxBodyBytes: maxBodyBytes, client: client, stopWhen: nil)
        return HTTPFetchResponse(status: read.status, headers: read.headers, body: read.body)
    }

    /// The one implementation behind `fetch` and `fetchPrefix`: `stopWhen` (when given) ends the body early.
    static func perform(
        _ request: HTTPClientRequest, deadline budget: Duration, maxBodyBytes: Int, client: HTTPClient,
        stopWhen: (@Sendable (ByteBuffer) -> Bool)?
    ) async throws(HTTPFetchError) -> HTTPFetchPrefix {
        try await withDeadline(request, budget: budget, maxBodyBytes: maxBodyBytes, client: client) {
            request, client, headerDeadline, limit, progress in
            let read = try await exchange(
                request, client: client, headerDeadline: headerDeadline, limit: limit, progress: progress, stopWhen: stopWhen)
            if let words = TLSFailureText.plainHTTPToTLSPort(url: request.url, status: read.status, body: read.body) {
                throw TLSFailureText.Described(words)
            }
            return read
        }
    }

    /// Runs `exchange` (given the authorized request, the deadline for the headers, the body cap and the
    /// progress to report) against the total deadline, and maps every way it can fail to an ``HTTPFetchError``.
    /// Shared by the whole-body, prefix and streamed fetches, so all of them keep the same deadline and errors.
    static func withDeadline<Result: Sendable>(
        _ request: HTTPClientRequest, budget: Duration, maxBodyBytes: Int, client: HTTPClient,
        _ exchange: @escaping @Sendable (HTTPClientRequest, HTTPClient, NIODeadline, Int, HTTPFetchProgress) async throws -> Result
    ) async throws(HTTPFetchError) -> Result {
        let started = ContinuousClock.now
        // URL userinfo never travels in URLs here: the credentials for this origin, if any, become the
        // Authorization header at the last moment, so no caller can forget them or log them.
        var authorized = request
        HTTPCredentials.apply(to: &authorized)
        let method = request.method.rawValue
        func failure(_ kind: HTTPFetchError.Kind) -> HTTPFetchError {
            HTTPFetchError(method: method, url: request.url, budget: budget, kind: kind)
        }
        // The cluster's TLS files (re-read when they change) and its servers' credentials, likewise applied
        // here so every client gets them (see `HTTPSecurityScope`).
        // With tls.server_name the request names that server and goes on a client that connects it to the
        // URL's address (`ServerNameRoute`); errors keep naming the URL the caller gave.
        let routed: HTTPClient?
        do { routed = try HTTPSecurityScope.prepare(&authorized) } catch {
            throw failure(.transport(error.description))
        }
        let client = routed ?? client
        let url = request.url
        let request = authorized
        let progress = HTTPFetchProgress()
        let tracked = InFlightRequests.current?.begin(method: method, url: url, progress: progress)
        defer { tracked?.end() }

        let limit = max(0, maxBodyBytes)
        let headerDeadline = NIODeadline.now() + .nanoseconds(budget.nanosecondsClamped)
        let outcome: Swift.Result<Result, any Error>? = await withTaskGroup(of: Swift.Result<Result, any Error>?.self) { group in
            group.addTask {
                do {
                    return .success(try await exchange(request, client, headerDeadline, limit, progress))
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                try? await Task.sleep(for: budget)
                return nil  // the deadline (or the caller's cancellation)
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        let reached = progress.snapshot
        switch outcome {
        case .success(let response)?:
            return response
        case .failure(let error as BodyTooLarge)?:
            throw failure(.bodyTooLarge(limit: limit, declaredLength: error.declaredLength))
        case .failure(let error)?:
            if Task.isCancelled { throw failure(.cancelled) }
            if (error as? HTTPClientError) == .deadlineExceeded {
                throw failure(.deadlineExceeded(reached.phase, bytesReceived: reached.bytesReceived))
            }
            if TLSFailureText.isVerificationFailure(error) {
                // A wrong CA and an expired certificate fail alike; the certificate's dates tell them apart,
                // read within what is left of the budget (a refused certificate comes back quickly).
                let left = budget - (ContinuousClock.now - started)
                if left > .milliseconds(50), let words = await TLSFailureText.verificationFailure(url: url, timeout: min(left, .seconds(2))) {
                    throw failure(.transport(words))
                }
            }
            throw failure(.transport(HTTPTransportErrorText.describe(error, url: url)))
        case nil:
            if Task.isCancelled { throw failure(.cancelled) }
            throw failure(.deadlineExceeded(reached.phase, bytesReceived: reached.bytesReceived))
        }
    }

    /// The exchange itself, cancellable at any point: headers (AsyncHTTPClient enforces the deadline up to
    /// them, including time queued for a connection), then the body part by part against the cap.
    private static func exchange(
        _ request: HTTPClientRequest, client: HTTPClient, headerDeadline: NIODeadline, limit: Int, progress: HTTPFetchProgress,
        stopWhen: (@Sendable (ByteBuffer) -> Bool)?
    ) async throws -> HTTPFetchPrefix {
        let response = try await client.execute(request, deadline: headerDeadline)
        progress.headersArrived()
        let declared = response.headers.first(name: "content-length").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        // A prefix reader stops long before a large declared length, so only a whole-body read refuses it here.
        if stopWhen == nil, let declared, declared > limit { throw BodyTooLarge(declaredLength: declared) }
        // A body declared to fit under the cap is read whole even by a prefix reader: hanging up early would
        // save nothing and cost the pooled connection.
        let stopWhen = declared.map { $0 <= limit } == true ? nil : stopWhen
        var body = ByteBuffer()
        // A declared length is allocated once instead of by doubling as the parts arrive.
        if stopWhen == nil, let declared, declared > 0 { body.reserveCapacity(declared) }
        let status = Int(response.status.code)
        for try await part in response.body {
            let count = part.readableBytes
            var part = part
            body.writeBuffer(&part)
            progress.received(count)
            // Returning leaves the rest of the body unread: AsyncHTTPClient then closes the connection.
            if let stopWhen, stopWhen(body) {
                return HTTPFetchPrefix(status: status, headers: response.headers, body: body, complete: false)
            }
            guard body.readableBytes <= limit else { throw BodyTooLarge(declaredLength: nil) }
        }
        return HTTPFetchPrefix(status: status, headers: response.headers, body: body, complete: true)
    }

    struct BodyTooLarge: Error {
        var declaredLength: Int?
    }
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
