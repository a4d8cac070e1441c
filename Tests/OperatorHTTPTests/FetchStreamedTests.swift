import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import OperatorHTTP
import OperatorTestSupport
import Testing

/// `OperatorHTTPClient.fetchStreamed` hands the body over part by part as it arrives, under the same cap
/// and deadline as `fetch`.
@Suite struct FetchStreamedTests {
    /// Keeps what a streaming consumer would: a count, a checksum and the largest part, never the body.
    struct Tally: HTTPBodyReader {
        var bytes = 0
        var parts = 0
        var largestPart = 0
        var lines = 0
        var checksum: UInt64 = 0

        mutating func read(_ part: ByteBuffer) {
            parts += 1
            bytes += part.readableBytes
            largestPart = max(largestPart, part.readableBytes)
            for byte in part.readableBytesView {
                if byte == UInt8(ascii: "\n") { lines += 1 }
                checksum = checksum &* 31 &+ UInt64(byte)
            }
        }
    }

    /// 4,000 numbered lines of 1 KB, written in pieces.
    static func body() -> StreamedBody {
        StreamedBody(pieceCount: 4_000) { i in String(format: "%08d", i) + String(repeating: "y", count: 1_015) + "\n" }
    }

    @Test func theBodyArrivesInPartsThatAddUpToTheWholeBody() async throws {
        let body = Self.body()
        var tally = Tally()
        for i in 0..<body.pieceCount { tally.read(ByteBuffer(string: body.piece(i))) }
        let expected = tally
        let router = Router()
        router.get("/big") { _, _ in body.response(contentType: "text/plain") }
        try await withLocalHTTPServer(router) { url in
            let response = try await OperatorHTTPClient.fetchStreamed(
                HTTPClientRequest(url: url + "/big"), deadline: .seconds(60), maxBodyBytes: 16 << 20, into: Tally())
            #expect(response.status == 200)
            #expect(response.reader.bytes == expected.bytes)
            #expect(response.reader.lines == 4_000)
            #expect(response.reader.checksum == expected.checksum, "the parts in order make the body")
            #expect(response.reader.parts > 1)
            #expect(response.reader.largestPart < expected.bytes, "never handed over whole")
        }
    }

    @Test func aBodyOverTheCapFailsAsBodyTooLarge() async throws {
        let body = Self.body()
        let router = Router()
        router.get("/big") { _, _ in body.response(contentType: "text/plain") }
        try await withLocalHTTPServer(router) { url in
            let error = await #expect(throws: HTTPFetchError.self) {
                _ = try await OperatorHTTPClient.fetchStreamed(
                    HTTPClientRequest(url: url + "/big"), deadline: .seconds(60), maxBodyBytes: 64 << 10, into: Tally())
            }
            guard case .bodyTooLarge(let limit, nil)? = error?.kind else {
                Issue.record("expected bodyTooLarge counted while reading, got \(String(describing: error))")
                return
            }
            #expect(limit == 64 << 10)
        }
    }

    @Test func aDeclaredLengthOverTheCapIsRefusedBeforeTheBody() async throws {
        let big = String(repeating: "x", count: 64 << 10)
        let server = try await LoopbackServer.start { router in
            router.get("/big") { _, _ in CannedResponse(contentType: "text/plain", body: big) }
        }
        defer { server.stop() }
        let outcome = try await withHangGuard { () -> HTTPFetchError? in
            do throws(HTTPFetchError) {
                _ = try await OperatorHTTPClient.fetchStreamed(
                    HTTPClientRequest(url: server.baseURL + "/big"), deadline: .seconds(20), maxBodyBytes: 1000, into: Tally())
                return nil
            } catch { return error }
        }
        let error = try #require(outcome)
        #expect(error.kind == .bodyTooLarge(limit: 1000, declaredLength: 64 << 10))
    }

    @Test func aRefusedConnectionIsATransportError() async throws {
        let port = try closedLocalPort()
        let outcome = try await withHangGuard { () -> HTTPFetchError? in
            do throws(HTTPFetchError) {
                _ = try await OperatorHTTPClient.fetchStreamed(
                    HTTPClientRequest(url: "http://127.0.0.1:\(port)/x"), deadline: .seconds(20), maxBodyBytes: 1000, into: Tally())
                return nil
            } catch { return error }
        }
        let error = try #require(outcome)
        guard case .transport = error.kind else {
            Issue.record("expected a transport error, got \(error)")
            return
        }
    }
}
