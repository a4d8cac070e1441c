import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// A TCP connection with a TLS handshake made directly on NIO, not through AsyncHTTPClient: for liveness
/// watches, which hold a connection instead of making requests, and for reading a server's certificate
/// after verification failed (to say whether its dates are why).
enum TLSHandshake {
    /// Connects to `host:port` and completes a TLS handshake, sending `serverName` as SNI and checking the
    /// certificate against it (nil: against `host`, by name or by IP). Returns the channel, ready for
    /// application bytes, and the server's certificate. Throws the handshake's error (words from
    /// ``TLSFailureText``), a connect error, or ``TimedOut`` after `timeout` overall.
    static func connect(
        host: String, port: Int, configuration: TLSConfiguration, serverName: String?, timeout: Duration
    ) async throws -> (channel: any Channel, peer: NIOSSLCertificate?) {
        let context = try NIOSSLContext(configuration: configuration)
        let name = serverName ?? host
        // An IP address never goes in SNI; NIOSSL then checks the certificate against the connected address.
        let sni: String? = (try? SocketAddress(ipAddress: name, port: 0)) == nil ? name : nil
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let outcome = OnceOutcome(loop.makePromise(of: NIOSSLCertificate?.self))
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .connectTimeout(TCPConnectProbe.timeAmount(timeout))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: sni))
                        try channel.pipeline.syncOperations.addHandler(HandshakeWaiter(outcome: outcome))
                    }
                }
                .connect(host: host, port: port)
                .get()
        } catch {
            // A promise must be completed (NIO checks for leaks); the connect error is the caller's answer.
            outcome.fail(error)
            throw error
        }
        let guardTask = loop.scheduleTask(in: TCPConnectProbe.timeAmount(timeout)) { outcome.fail(TimedOut(timeout: timeout)) }
        do {
            let peer = try await outcome.future.get()
            guardTask.cancel()
            return (channel, peer)
        } catch {
            guardTask.cancel()
            try? await channel.close()
            throw Failed(underlying: error)
        }
    }

    /// The TCP connection was made but the handshake failed (a connect error is thrown as it is).
    struct Failed: Error, CustomStringConvertible {
        var underlying: any Error
        var description: String { "\(underlying)" }
    }

    struct TimedOut: Error, CustomStringConvertible {
        var timeout: Duration
        var description: String { "the TLS handshake did not finish within \(HTTPFetchError.format(timeout))" }
    }

    /// A promise completed once: by the handshake's end, its failure, the connection's close or the timer.
    final class OnceOutcome: Sendable {
        private let promise: EventLoopPromise<NIOSSLCertificate?>
        private let done = Atomic<Bool>(false)
        init(_ promise: EventLoopPromise<NIOSSLCertificate?>) { self.promise = promise }
        var future: EventLoopFuture<NIOSSLCertificate?> { promise.futureResult }
        func succeed(_ peer: NIOSSLCertificate?) {
            if done.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged { promise.succeed(peer) }
        }
        func fail(_ error: any Error) {
            if done.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged { promise.fail(error) }
        }
    }

    /// Completes the outcome when NIOSSL reports the handshake done (with the peer's certificate) or failed.
    final class HandshakeWaiter: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias InboundOut = ByteBuffer
        let outcome: OnceOutcome
        init(outcome: OnceOutcome) { self.outcome = outcome }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
                let peer = try? context.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self).peerCertificate
                outcome.succeed(peer)
            }
            context.fireUserInboundEventTriggered(event)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            outcome.fail(error)
            context.fireErrorCaught(error)
        }

        func channelInactive(context: ChannelHandlerContext) {
            outcome.fail(ChannelError.eof)
            context.fireChannelInactive()
        }
    }
}
