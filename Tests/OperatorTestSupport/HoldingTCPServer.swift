import NIOCore
import NIOPosix
import Synchronization

/// A loopback TCP server that accepts connections and holds them, playing a node for liveness watches: it
/// can drop its connections while still listening (a reset of a live node) or stop listening altogether
/// (a killed process: held connections close, new connects are refused).
public final class HoldingTCPServer: Sendable {
    public let port: Int
    private let listener: any Channel
    private let state: State

    final class State: Sendable {
        let held = Mutex<[any Channel]>([])
        let accepted = Mutex(0)
        let received = Mutex<[UInt8]>([])
    }

    private init(port: Int, listener: any Channel, state: State) {
        self.port = port
        self.listener = listener
        self.state = state
    }

    /// Connections accepted so far.
    public var accepted: Int { state.accepted.withLock { $0 } }
    /// Connections open now.
    public var holding: Int { state.held.withLock { $0.filter(\.isActive).count } }
    /// Every byte received on every connection, in arrival order.
    public var received: [UInt8] { state.received.withLock { $0 } }

    public static func start() async throws -> HoldingTCPServer {
        let state = State()
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                state.accepted.withLock { $0 += 1 }
                state.held.withLock { $0.append(channel) }
                return channel.pipeline.addHandler(Recorder(state: state))
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = listener.localAddress?.port else { throw StartFailure() }
        return HoldingTCPServer(port: port, listener: listener, state: state)
    }

    /// Closes every held connection; keeps listening.
    public func dropConnections() async {
        let channels = state.held.withLock { held in
            defer { held = [] }
            return held
        }
        for c in channels { try? await c.close() }
    }

    /// Stops listening and closes every held connection: what a killed process looks like from outside.
    public func stop() async {
        try? await listener.close()
        await dropConnections()
    }

    struct StartFailure: Error, CustomStringConvertible {
        var description: String { "the holding TCP server did not bind a loopback port" }
    }

    private final class Recorder: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let state: State
        init(state: State) { self.state = state }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            state.received.withLock { $0 += buffer.readableBytesView }
        }
    }
}
