import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL
import Logging
import ServiceLifecycle

/// One listening HTTP server (a PD member's client port or a store's status port).
///
/// Stopping it closes the listening socket, so a "killed" process refuses connections as a dead
/// one does; starting it again re-binds the same port.
struct HTTPListener: Sendable {
    let name: String
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    static func start(
        name: String, host: String, port: Int, router: Router<BasicRequestContext>, tls: SimulatorTLS? = nil, logger: Logger
    ) async throws(TiKVSimulatorError) -> HTTPListener {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var httpLogger = logger
        // Hummingbird logs every start and stop at info; the simulator reports its own listeners.
        httpLogger.logLevel = max(logger.logLevel, .warning)
        let server: HTTPServerBuilder
        do { server = try tls.map { try .tls(.http1(), tlsConfiguration: try Self.serverConfiguration($0)) } ?? .http1() } catch {
            throw .bindFailed(port: port, reason: "TLS files cannot be used: \(error)")
        }
        let app = Application(
            router: router, server: server,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? port)
                continuation.finish()
            },
            logger: httpLogger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: httpLogger))
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        for await bound in ports {
            return HTTPListener(name: name, port: bound, group: group, task: task)
        }
        // The server stopped before listening: binding failed.
        switch await task.result {
        case .failure(let error):
            throw .bindFailed(port: port, reason: HTTPListener.describe(error))
        case .success:
            throw .bindFailed(port: port, reason: "the server stopped before it started listening")
        }
    }

    /// Closes the listening socket and open connections; waits until the server is gone.
    func stop() async {
        await group.triggerGracefulShutdown()
        // In-flight requests get two seconds to finish; then the server is cancelled outright.
        let deadline = Task {
            try? await Task.sleep(for: .seconds(2))
            task.cancel()
        }
        _ = await task.result
        deadline.cancel()
    }

    /// The server side of TLS; with a client CA, a client certificate signed by it is required.
    static func serverConfiguration(_ tls: SimulatorTLS) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(tls.certFile).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.keyFile, format: .pem)))
        if let ca = tls.clientCAFile {
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca))
            configuration.certificateVerification = .noHostnameVerification
        }
        return configuration
    }

    private static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("Address already in use") || text.contains("EADDRINUSE") || text.contains("errno: 98") {
            return "address already in use"
        }
        return text
    }
}
