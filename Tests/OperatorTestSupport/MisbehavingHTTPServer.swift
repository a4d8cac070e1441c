import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A loopback TCP server that misbehaves the ways slow or stuck HTTP servers do, for deadline tests.
///
/// Written on raw sockets because an HTTP framework would not let a test send headers and then stall, or
/// hold a connection without ever answering. It counts connections the client closed, so a test can check
/// that giving up on a request really hangs up instead of reading on in the background.
public final class MisbehavingHTTPServer: Sendable {
    public enum Behaviour: Sendable {
        /// Reads the request, sends `200 OK` headers declaring `body`'s length, then one byte of `body` every
        /// `interval` (a server or proxy that stalls mid-body).
        case dripBody(body: String, contentType: String = "application/json", interval: Duration = .seconds(1))
        /// Reads the request and never sends a byte back.
        case neverAnswer
        /// Accepts the connection and never reads or writes anything.
        case acceptOnly
    }

    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    private let task: Task<Void, Never>
    private let counters: Counters

    final class Counters: Sendable {
        let state = Mutex((accepted: 0, closedByClient: 0, bytesSent: 0))
    }

    private init(port: Int, task: Task<Void, Never>, counters: Counters) {
        self.port = port
        self.task = task
        self.counters = counters
    }

    /// Connections accepted so far.
    public var accepted: Int { counters.state.withLock { $0.accepted } }
    /// Connections the client closed (seen as end of input while the server was still holding them).
    public var closedByClient: Int { counters.state.withLock { $0.closedByClient } }
    /// Body bytes written to all connections.
    public var bytesSent: Int { counters.state.withLock { $0.bytesSent } }

    public static func start(_ behaviour: Behaviour) async throws -> MisbehavingHTTPServer {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        guard let port = server.channel.localAddress?.port else { throw StartFailure() }
        let counters = Counters()
        let task = Task<Void, Never> {
            _ = try? await server.executeThenClose { connections in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in connections {
                        counters.state.withLock { $0.accepted += 1 }
                        group.addTask { await serve(connection, behaviour, counters) }
                    }
                }
            }
        }
        return MisbehavingHTTPServer(port: port, task: task, counters: counters)
    }

    /// Stops listening and drops every held connection.
    public func stop() {
        task.cancel()
    }

    /// Waits (polling, without blocking a thread) until `count` connections were closed by the client, or
    /// `limit` passes (a hang guard). Returns whether they were.
    public func waitForClientCloses(_ count: Int, limit: Duration = .seconds(30)) async -> Bool {
        let clock = ContinuousClock()
        let end = clock.now + limit
        while clock.now < end {
            if closedByClient >= count { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return closedByClient >= count
    }

    private static func serve(
        _ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, _ behaviour: Behaviour, _ counters: Counters
    ) async {
        try? await connection.executeThenClose { inbound, outbound in
            if case .acceptOnly = behaviour {
                try await Task.sleep(for: .seconds(3600))
                return
            }
            var iterator = inbound.makeAsyncIterator()
            var request = ByteBuffer()
            // Read until the end of the request head (the clients here send small bodies with the head).
            while request.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) == nil {
                guard var part = try await iterator.next() else { return }
                request.writeBuffer(&part)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    guard case .dripBody(let body, let contentType, let interval) = behaviour else {
                        try await Task.sleep(for: .seconds(3600))
                        return
                    }
                    let bytes = Array(body.utf8)
                    let head = "HTTP/1.1 200 OK\r\nContent-Type: \(contentType)\r\nContent-Length: \(bytes.count)\r\n\r\n"
                    // A write that fails means the client hung up: the reader below counts it, so the
                    // failure must not end the group before the reader has seen the end of the input.
                    do {
                        try await outbound.write(ByteBuffer(string: head))
                        for byte in bytes {
                            try await outbound.write(ByteBuffer(bytes: [byte]))
                            counters.state.withLock { $0.bytesSent += 1 }
                            try await Task.sleep(for: interval)
                        }
                    } catch {
                        return
                    }
                    try await Task.sleep(for: .seconds(3600))
                }
                // The client hanging up ends the input (a FIN, or a reset when it closed with our bytes
                // unread): count it and stop holding the connection.
                do { while try await iterator.next() != nil {} } catch {}
                if !Task.isCancelled { counters.state.withLock { $0.closedByClient += 1 } }
                group.cancelAll()
            }
        }
    }

    struct StartFailure: Error, CustomStringConvertible {
        var description: String { "the misbehaving test server did not start" }
    }
}
