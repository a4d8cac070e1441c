import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOSSL
import ServiceLifecycle

/// A Hummingbird server on 127.0.0.1 (port 0) speaking TLS with the given certificate and, when
/// `clientCA` is set, requiring a client certificate signed by it: the same handshake a TLS etcd or PD does.
/// `GET /ok` answers `ok`; `GET /authorization` echoes the Authorization header it got, `GET /host` the Host.
struct TLSLoopbackServer {
    let port: Int
    private let task: Task<Void, any Error>
    private let group: ServiceGroup

    var baseURL: String { "https://127.0.0.1:\(port)" }

    static func start(certificate: String, key: String, clientCA: String?) async throws -> TLSLoopbackServer {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
        if let clientCA {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(clientCA))
            tls.certificateVerification = .noHostnameVerification
        }
        let router = Router()
        router.get("/ok") { _, _ in "ok" }
        router.get("/authorization") { request, _ in request.headers[.authorization] ?? "none" }
        router.get("/host") { request, _ in request.head.authority ?? "none" }
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "test.tls")
        logger.logLevel = .critical
        let app = Application(
            router: router, server: try .tls(.http1(), tlsConfiguration: tls),
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: logger)
        let group = ServiceGroup(services: [app], logger: logger)
        let task = Task { try await group.run() }
        var iterator = stream.makeAsyncIterator()
        guard let bound = await iterator.next(), bound > 0 else {
            task.cancel()
            throw StartFailure()
        }
        return TLSLoopbackServer(port: bound, task: task, group: group)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    struct StartFailure: Error {}
}
