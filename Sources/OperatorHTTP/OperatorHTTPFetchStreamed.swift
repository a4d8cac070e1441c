import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Takes a response body part by part as it arrives (decompressed when the server sent gzip), so a caller
/// that can digest a body as a stream never holds it whole: a 1.4 MB metrics page costs its parsed result,
/// not the page plus a buffer grown to twice its size.
public protocol HTTPBodyReader: Sendable {
    /// The next part of the body, in order.
    mutating func read(_ part: ByteBuffer)
}

/// What ``OperatorHTTPClient/fetchStreamed(_:deadline:maxBodyBytes:client:into:)`` returns: the status,
/// the headers and the reader after it has taken the whole body.
public struct HTTPStreamedResponse<Reader: HTTPBodyReader>: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var reader: Reader
}

extension OperatorHTTPClient {
    /// Like ``fetch(_:deadline:maxBodyBytes:client:)`` — the same total deadline, cap and errors — but hands
    /// each part of the body to `reader` as it arrives instead of collecting it. `maxBodyBytes` counts the
    /// bytes handed over; past it the fetch fails with `.bodyTooLarge` (a larger declared length is refused
    /// before any is read). The reader sees the body of any status: check the status before trusting it.
    public static func fetchStreamed<Reader: HTTPBodyReader>(
        _ request: HTTPClientRequest, deadline budget: Duration, maxBodyBytes: Int, client: HTTPClient = shared,
        into reader: Reader
    ) async throws(HTTPFetchError) -> HTTPStreamedResponse<Reader> {
        try await withDeadline(request, budget: budget, maxBodyBytes: maxBodyBytes, client: client) {
            request, client, headerDeadline, limit, progress in
            let response = try await client.execute(request, deadline: headerDeadline)
            progress.headersArrived()
            let declared = response.headers.first(name: "content-length").flatMap {
                Int($0.trimmingCharacters(in: .whitespaces))
            }
            if let declared, declared > limit { throw BodyTooLarge(declaredLength: declared) }
            var reader = reader
            var total = 0
            for try await part in response.body {
                total += part.readableBytes
                progress.received(part.readableBytes)
                guard total <= limit else { throw BodyTooLarge(declaredLength: nil) }
                reader.read(part)
            }
            return HTTPStreamedResponse(status: Int(response.status.code), headers: response.headers, reader: reader)
        }
    }
}
