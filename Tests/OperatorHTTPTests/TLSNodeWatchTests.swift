import Foundation
import OperatorHTTP
import OperatorTestSupport
import Synchronization
import Testing

/// A liveness watch on a TLS node holds a connection only after a TLS handshake with the cluster's
/// settings (server_name included); a handshake that fails holds nothing and says why; a TLS node's death
/// is reported as any other.
@Suite("Node connection watch over TLS", .enabled(if: TestCertificates.installed))
struct TLSNodeWatchTests {
    final class Seen: Sendable {
        let deaths = Mutex<[String]>([])
        let troubles = Mutex<[String]>([])
    }

    func eventually(_ what: String, _ check: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(120)  // a hang guard, not a timing assertion
        while ContinuousClock.now < deadline {
            if await check() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("never saw: \(what)")
    }

    func watch(_ node: WatchedNode, _ tls: TLSFileSettings, _ seen: Seen) -> Task<Void, Never> {
        let scope = HTTPSecurityScope(clusterTLS: TLSConfigurationSource(settings: tls))
        return Task {
            await HTTPSecurityScope.$current.withValue(scope) {
                await NodeConnectionWatch.run(
                    [node], onTrouble: { _, why in seen.troubles.withLock { $0.append(why) } },
                    onDeath: { _, why in seen.deaths.withLock { $0.append(why) } })
            }
        }
    }

    @Test func handshakeFirstThenHoldAndABadCertificateHoldsNothingAndSaysWhy() async throws {
        let certs = try await TestCertificates.make()
        defer { certs.directory.remove() }
        // Issued for other.invalid only, client certificates required: as a TLS PD behind its DNS name.
        let server = try await TLSLoopbackServer.start(certificate: certs.otherHostServerCert, key: certs.serverKey, clientCA: certs.caFile)
        let greeting = Array("GET /ok HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\n\r\n".utf8)
        let node = WatchedNode(key: "pd:pd0", host: "127.0.0.1", port: server.port, greeting: greeting, tls: true)
        let client = TLSFileSettings(caFile: certs.caFile, certFile: certs.clientCert, keyFile: certs.clientKey)

        // Without server_name the certificate does not name 127.0.0.1: nothing held, and the reason given.
        let unnamed = Seen()
        let first = watch(node, client, unnamed)
        try await eventually("the host-name mismatch reported") { unnamed.troubles.withLock { !$0.isEmpty } }
        #expect(NodeConnectionWatch.heldConnections(to: "127.0.0.1", port: server.port) == 0)
        first.cancel()
        await first.value
        let mismatch = unnamed.troubles.withLock { $0.first } ?? ""
        #expect(mismatch.contains("127.0.0.1:\(server.port)") && mismatch.contains("not issued for the host"), "\(mismatch)")

        // The wrong CA: the dates are fine, so the CA is named.
        var wrongCA = client
        wrongCA.caFile = certs.wrongCAFile
        wrongCA.serverName = "other.invalid"
        let untrusted = Seen()
        let second = watch(node, wrongCA, untrusted)
        try await eventually("the untrusted certificate reported") { untrusted.troubles.withLock { !$0.isEmpty } }
        #expect(NodeConnectionWatch.heldConnections(to: "127.0.0.1", port: server.port) == 0)
        second.cancel()
        await second.value
        let refused = untrusted.troubles.withLock { $0.first } ?? ""
        #expect(refused.contains("not signed by the CA in ca_file \(certs.wrongCAFile)"), "\(refused)")
        #expect(untrusted.troubles.withLock { $0.count } == 1, "one report per distinct reason, not one per retry")

        // The right files and server_name: held; then the server goes away and its death is reported.
        var named = client
        named.serverName = "other.invalid"
        let good = Seen()
        let third = watch(node, named, good)
        defer { third.cancel() }
        try await eventually("the TLS connection held") { NodeConnectionWatch.heldConnections(to: "127.0.0.1", port: server.port) == 1 }
        #expect(good.troubles.withLock { $0.isEmpty }, "\(good.troubles.withLock { $0 })")
        await server.stop()
        try await eventually("the death reported") { good.deaths.withLock { !$0.isEmpty } }
        #expect(good.deaths.withLock { $0.first?.contains("refused") } == true, "\(good.deaths.withLock { $0 })")
    }
}
