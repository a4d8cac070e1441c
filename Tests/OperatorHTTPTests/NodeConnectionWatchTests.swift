import Foundation
import OperatorHTTP
import OperatorTestSupport
import Synchronization
import Testing

@Suite("Node connection watch")
struct NodeConnectionWatchTests {
    final class Deaths: Sendable {
        let all = Mutex<[(String, String)]>([])
        var count: Int { all.withLock { $0.count } }
    }

    func eventually(_ what: String, _ check: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(120)  // a hang guard, not a timing assertion
        while ContinuousClock.now < deadline {
            if await check() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("never saw: \(what)")
    }

    @Test func aResetOfALiveNodeReconnectsWithoutADeathAndAKillIsReportedOnce() async throws {
        let server = try await HoldingTCPServer.start()
        let deaths = Deaths()
        let node = WatchedNode(key: "node:a", host: "127.0.0.1", port: server.port, greeting: Array("hello\r\n".utf8))
        let watch = Task { await NodeConnectionWatch.run([node]) { n, seen in deaths.all.withLock { $0.append((n.key, seen)) } } }
        defer { watch.cancel() }

        try await eventually("the watch holds a connection and sent its greeting") {
            server.holding == 1 && String(decoding: server.received, as: UTF8.self) == "hello\r\n"
        }
        // A reset while the node still listens: the watch reconnects (a second connection, a second
        // greeting) and reports nothing.
        await server.dropConnections()
        // The held connection is accepted before its greeting arrives: wait for both.
        try await eventually("the watch reconnected after the reset and greeted again") {
            server.accepted >= 3 && server.holding == 1 && server.received.count >= 14
        }
        // accepted counts the confirming connect too: the reset was checked before reconnecting.
        #expect(deaths.count == 0, "a reset of a live node is no death: \(deaths.all.withLock { $0 })")
        #expect(String(decoding: server.received, as: UTF8.self) == "hello\r\nhello\r\n")

        // The node dies: held connection closed and nothing listens.
        await server.stop()
        try await eventually("the death is reported") { deaths.count == 1 }
        let (key, seen) = try #require(deaths.all.withLock { $0.first })
        #expect(key == "node:a")
        #expect(seen.contains("127.0.0.1:\(server.port)") && seen.contains("refused 2 time(s)"), "\(seen)")
    }

    @Test func aDeathWhoseListenerClosesAfterItsConnectionsIsStillReported() async throws {
        // A dying process closes its descriptors in order: the held connection may go before the
        // listening socket, so the first confirming connect can still be accepted. The reconnect that
        // follows is refused, and that confirms the death.
        let server = try await HoldingTCPServer.start()
        let deaths = Deaths()
        let node = WatchedNode(key: "node:c", host: "127.0.0.1", port: server.port)
        let watch = Task { await NodeConnectionWatch.run([node]) { n, seen in deaths.all.withLock { $0.append((n.key, seen)) } } }
        defer { watch.cancel() }
        try await eventually("the watch holds a connection") { server.holding == 1 }
        await server.dropConnections()
        try await eventually("the confirming connect was accepted") { server.accepted >= 2 }
        await server.stop()
        try await eventually("the death is reported") { deaths.count == 1 }
        #expect(deaths.all.withLock { $0.first?.1.contains("refused 2 time(s)") } == true)
    }

    @Test func aNodeDownFromTheStartIsNotReportedAndItsDeathLaterIs() async throws {
        // Nothing listens at first: no connection was held, so no death to report; the poll sees it.
        let server = try await HoldingTCPServer.start()
        let port = server.port
        await server.stop()
        let deaths = Deaths()
        let node = WatchedNode(key: "node:b", host: "127.0.0.1", port: port)
        let outcome = await TCPConnectProbe.probe(host: "127.0.0.1", port: port, timeout: .seconds(5))
        #expect(outcome == .refused("connection refused"))
        let watch = Task { await NodeConnectionWatch.run([node]) { n, seen in deaths.all.withLock { $0.append((n.key, seen)) } } }
        defer { watch.cancel() }
        // Let the watch fail a few connects (backoff 200 ms, 400 ms …): still nothing reported.
        try await Task.sleep(for: .seconds(1))
        #expect(deaths.count == 0)
    }
}
