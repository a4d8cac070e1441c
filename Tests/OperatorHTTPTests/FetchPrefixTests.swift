import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import OperatorHTTP
import OperatorTestSupport
import Testing

/// `OperatorHTTPClient.fetchPrefix` reads a body only until the caller has what it needs, then hangs up:
/// proved by what the server managed to write, never by timing.
@Suite struct FetchPrefixTests {
    /// 20 MB of text after a short header line.
    static func largeBody() -> StreamedBody {
        StreamedBody(prefix: "HEADER 42\n", pieceCount: 2_000, burst: 50) { i in String(repeating: "x", count: 9_999) + "\n" }
    }

    @Test func stopsOnceThePredicateIsSatisfiedAndClosesTheConnection() async throws {
        let body = Self.largeBody()
        let router = Router()
        router.get("/big") { _, _ in body.response(contentType: "text/plain") }
        try await withLocalHTTPServer(router) { url in
            let read = try await OperatorHTTPClient.fetchPrefix(
                HTTPClientRequest(url: url + "/big"), deadline: .seconds(20), maxBodyBytes: 1 << 20,
                until: { $0.readableBytes >= 10 })
            #expect(read.status == 200)
            #expect(!read.complete)
            #expect(read.body.getString(at: read.body.readerIndex, length: 10) == "HEADER 42\n")
            #expect(read.body.readableBytes < 1 << 20, "stopped well before the cap")
            // Hang guard only: the server's write loop ends once the client has hung up.
            for _ in 0..<400 where body.requestsEnded < 1 { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(body.requestsEnded == 1)
        #expect(body.requestsCompleted == 0, "the client closed the connection instead of reading 20 MB")
        // Loopback socket buffers take several MB before the server notices; the rest is never sent.
        #expect(body.bytesWritten < body.totalBytes(), "\(body.bytesWritten) bytes written")
    }

    @Test func aBodyThatEndsBeforeThePredicateIsComplete() async throws {
        let router = Router()
        router.get("/small") { _, _ in "short" }
        try await withLocalHTTPServer(router) { url in
            let read = try await OperatorHTTPClient.fetchPrefix(
                HTTPClientRequest(url: url + "/small"), deadline: .seconds(20), maxBodyBytes: 1 << 20, until: { _ in false })
            #expect(read.complete)
            #expect(read.body.getString(at: read.body.readerIndex, length: read.body.readableBytes) == "short")
        }
    }

    @Test func aBodyDeclaredToFitUnderTheCapIsReadWholeKeepingTheConnection() async throws {
        let router = Router()
        router.get("/declared") { _, _ in CannedResponse(body: #"{"count":3,"regions":[{"id":1},{"id":2},{"id":3}]}"#) }
        try await withLocalHTTPServer(router) { url in
            let read = try await OperatorHTTPClient.fetchPrefix(
                HTTPClientRequest(url: url + "/declared"), deadline: .seconds(20), maxBodyBytes: 1 << 20, until: { _ in true })
            #expect(read.complete, "Content-Length under the cap: nothing to save by hanging up")
            #expect(read.body.readableBytes == 50)
        }
    }

    @Test func thePredicateNeverSatisfiedHitsTheCapAsBodyTooLarge() async throws {
        let body = Self.largeBody()
        let router = Router()
        router.get("/big") { _, _ in body.response(contentType: "text/plain") }
        try await withLocalHTTPServer(router) { url in
            let error = await #expect(throws: HTTPFetchError.self) {
                _ = try await OperatorHTTPClient.fetchPrefix(
                    HTTPClientRequest(url: url + "/big"), deadline: .seconds(20), maxBodyBytes: 64 << 10, until: { _ in false })
            }
            guard case .bodyTooLarge(let limit, _)? = error?.kind else {
                Issue.record("expected bodyTooLarge, got \(String(describing: error))")
                return
            }
            #expect(limit == 64 << 10)
        }
    }
}
