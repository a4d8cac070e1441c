import AsyncHTTPClient
import Foundation
import NIOCore
import OperatorHTTP
import OperatorTestSupport
import Testing

/// `OperatorHTTPClient.fetch` must give up at its total deadline whatever stage the exchange is stuck in,
/// say which stage, and hang up. The hang guard is only there so a regression fails instead of hanging.
@Suite struct FetchDeadlineTests {
    /// Long enough that a loaded test machine still delivers a dripping server's headers before it; the
    /// dripped body (1 byte/s) never completes within it.
    static let deadline = Duration.seconds(8)

    /// Runs `fetch` against `server` with a generous hang guard; returns its error.
    func fetchFailure(_ server: MisbehavingHTTPServer, path: String = "/anything") async throws -> HTTPFetchError {
        let url = server.baseURL + path
        let outcome = try await withHangGuard {
            do throws(HTTPFetchError) {
                _ = try await OperatorHTTPClient.fetch(HTTPClientRequest(url: url), deadline: Self.deadline, maxBodyBytes: 1 << 20)
                return Optional<HTTPFetchError>.none
            } catch {
                return error
            }
        }
        return try #require(outcome, "fetch returned a response from a server that never finishes one")
    }

    @Test func aBodyDrippedAtOneBytePerSecondFailsAtTheDeadlineNamingTheBodyAndTheBytesSoFar() async throws {
        let server = try await MisbehavingHTTPServer.start(.dripBody(body: String(repeating: "{\"stores\":[]}", count: 100)))
        defer { server.stop() }
        let error = try await fetchFailure(server, path: "/pd/api/v1/stores")
        guard case .deadlineExceeded(.readingBody, let bytes) = error.kind else {
            Issue.record("expected a body deadline, got \(error)")
            return
        }
        #expect(bytes >= 1)
        #expect(error.url == server.baseURL + "/pd/api/v1/stores")
        #expect(error.description.contains(server.baseURL + "/pd/api/v1/stores"))
        #expect(error.description.contains("8s"))
        #expect(error.description.contains("body"))
        #expect(error.description.contains("\(bytes) bytes received"))
        // Giving up hangs up: the server sees the connection closed, so nothing keeps reading.
        #expect(await server.waitForClientCloses(1))
    }

    @Test func headersThatNeverComeFailAtTheDeadlineNamingTheHeaders() async throws {
        let server = try await MisbehavingHTTPServer.start(.neverAnswer)
        defer { server.stop() }
        let error = try await fetchFailure(server)
        #expect(error.kind == .deadlineExceeded(.awaitingHeaders, bytesReceived: 0))
        #expect(error.description.contains("no response headers within the 8s request deadline"))
        #expect(await server.waitForClientCloses(1))
    }

    @Test func aServerThatAcceptsButNeverReadsFailsAtTheDeadline() async throws {
        let server = try await MisbehavingHTTPServer.start(.acceptOnly)
        defer { server.stop() }
        let error = try await fetchFailure(server)
        #expect(error.isDeadlineExceeded)
        #expect(error.description.contains(server.baseURL))
    }

    @Test func aBodyOverTheCapIsRefusedAsItArrivesWithoutReadingTheRest() async throws {
        let big = String(repeating: "x", count: 64 << 10)
        let server = try await LoopbackServer.start { router in
            router.get("/big") { _, _ in CannedResponse(contentType: "text/plain", body: big) }
        }
        defer { server.stop() }
        let outcome = try await withHangGuard { () -> HTTPFetchError? in
            do throws(HTTPFetchError) {
                _ = try await OperatorHTTPClient.fetch(
                    HTTPClientRequest(url: server.baseURL + "/big"), deadline: .seconds(20), maxBodyBytes: 1000)
                return nil
            } catch { return error }
        }
        let error = try #require(outcome)
        #expect(error.kind == .bodyTooLarge(limit: 1000, declaredLength: 64 << 10))
        #expect(error.description.contains("1000-byte limit"))
    }

    @Test func aPromptAnswerComesBackWholeWithStatusAndHeaders() async throws {
        let server = try await LoopbackServer.start { router in
            router.post("/echo") { request, _ in
                let body = try await request.body.collect(upTo: 1 << 16)
                return CannedResponse(status: .created, headers: ["X-Seen": "\(body.readableBytes)"], body: "{\"ok\":true}")
            }
        }
        defer { server.stop() }
        var post = HTTPClientRequest(url: server.baseURL + "/echo")
        post.method = .POST
        post.body = .bytes(ByteBuffer(string: "{\"hello\":1}"))
        let request = post
        let response = try await withHangGuard {
            try await OperatorHTTPClient.fetch(request, deadline: .seconds(20), maxBodyBytes: 1 << 20)
        }
        #expect(response.status == 201)
        #expect(response.headers.first(name: "x-seen") == "11")
        #expect(String(buffer: response.body) == "{\"ok\":true}")
    }

    @Test func aRefusedConnectionFailsAtOnceAsTransportNotAsADeadline() async throws {
        let port = try await LoopbackServer.start { _ in }
        let url = port.baseURL + "/gone"
        await port.stopAndWait()
        let outcome = try await withHangGuard { () -> HTTPFetchError? in
            do throws(HTTPFetchError) {
                _ = try await OperatorHTTPClient.fetch(HTTPClientRequest(url: url), deadline: .seconds(20), maxBodyBytes: 1000)
                return nil
            } catch { return error }
        }
        let error = try #require(outcome)
        #expect(!error.isDeadlineExceeded)
        #expect(error.description.contains("refused"), "\(error)")
    }

    /// A dead node with thousands of stores behind it: every request queued for its connection pool must
    /// learn "refused" from the failed connection, not sit out the deadline.
    @Test func manyConcurrentRequestsToADeadPortAllFailAsRefused() async throws {
        let url = "http://127.0.0.1:\(try closedLocalPort())/metrics"
        let kinds = try await withHangGuard(limit: .seconds(120)) {
            await withTaskGroup(of: String.self) { group in
                for _ in 0..<2000 {
                    group.addTask {
                        do throws(HTTPFetchError) {
                            _ = try await OperatorHTTPClient.fetch(HTTPClientRequest(url: url), deadline: .seconds(60), maxBodyBytes: 100)
                            return "answered"
                        } catch {
                            return error.isDeadlineExceeded ? "deadline" : error.reason
                        }
                    }
                }
                var counts: [String: Int] = [:]
                for await kind in group { counts[kind, default: 0] += 1 }
                return counts
            }
        }
        #expect(kinds == ["connection refused": 2000], "\(kinds)")
    }

    @Test func requestsInFlightAreListedWithTheirStageWhileTheyRun() async throws {
        let server = try await MisbehavingHTTPServer.start(.dripBody(body: String(repeating: "a", count: 1000), interval: .milliseconds(200)))
        defer { server.stop() }
        let registry = InFlightRequests()
        let url = server.baseURL + "/metrics"
        let request = Task {
            await registry.tracking {
                _ = try? await OperatorHTTPClient.fetch(HTTPClientRequest(url: url), deadline: .seconds(60), maxBodyBytes: 1 << 20)
            }
        }
        // Wait (hang guard) until the body has started arriving, then look.
        var seen: [InFlightRequests.Request] = []
        for _ in 0..<400 {
            seen = registry.snapshot()
            if seen.first?.phase == .readingBody, (seen.first?.bytesReceived ?? 0) > 0 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        request.cancel()
        _ = await request.value
        let first = try #require(seen.first)
        #expect(first.url == url)
        #expect(first.phase == .readingBody)
        #expect(first.description.contains("GET \(url) (reading the body, "))
        // Cancelling the caller ends the request and its registration, and hangs up.
        #expect(registry.snapshot().isEmpty)
        #expect(await server.waitForClientCloses(1))
    }

    @Test func requestsOutsideATrackingScopeAreNotListed() async throws {
        let server = try await MisbehavingHTTPServer.start(.neverAnswer)
        defer { server.stop() }
        let registry = InFlightRequests()
        let url = server.baseURL
        let outside = Task { _ = try? await OperatorHTTPClient.fetch(HTTPClientRequest(url: url), deadline: .seconds(60), maxBodyBytes: 10) }
        for _ in 0..<400 where server.accepted == 0 { try await Task.sleep(for: .milliseconds(50)) }
        #expect(server.accepted == 1)
        #expect(registry.snapshot().isEmpty)
        outside.cancel()
        _ = await outside.value
    }
}

