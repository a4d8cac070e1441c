import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// What ``OperatorHTTPClient/fetchPrefix(_:deadline:maxBodyBytes:client:until:)`` read: the start of a body,
/// or all of it.
public struct HTTPFetchPrefix: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    /// The bytes read before the caller's predicate said stop (all of them when `complete`).
    public var body: ByteBuffer
    /// True when the body ended before the predicate said stop.
    public var complete: Bool
}

extension OperatorHTTPClient {
    /// Like ``fetch(_:deadline:maxBodyBytes:client:)``, but reads the body only until `enough` says the
    /// bytes so far answer the question, then closes the connection instead of reading the rest.
    ///
    /// For answers whose first bytes are all the caller needs (PD's `/regions/check/<type>` starts with
    /// `count`, and its region list can run to tens of MB). `maxBodyBytes` caps what is read before
    /// `enough` is satisfied; past it the fetch fails with `.bodyTooLarge` as `fetch` does. A body whose
    /// declared length fits under the cap is read whole (`complete`), keeping the connection for reuse.
    /// The same total deadline covers connecting, headers and the bytes read.
    public static func fetchPrefix(
        _ request: HTTPClientRequest, deadline budget: Duration, maxBodyBytes: Int, client: HTTPClient = shared,
        until enough: @escaping @Sendable (ByteBuffer) -> Bool
    ) async throws(HTTPFetchError) -> HTTPFetchPrefix {
        try await perform(request, deadline: budget, maxBodyBytes: maxBodyBytes, client: client, stopWhen: enough)
    }
}
