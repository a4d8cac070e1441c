import AsyncHTTPClient
import Foundation
import NIOSSL
@testable import OperatorHTTP
import OperatorTestSupport
import Testing

/// TLS through the one fetch path: the cluster's scope sets the CA, client certificate and key on every
/// request; each way a handshake fails gives words that say what failed and what to check.
@Suite("TLS connections", .enabled(if: TestCertificates.installed))
struct TLSConnectionTests {
    /// One GET of `url` under `tls`, as the cluster's requests are made.
    static func get(_ url: String, tls: TLSFileSettings?) async throws -> HTTPFetchResponse {
        let scope = HTTPSecurityScope(clusterTLS: tls.map { TLSConfigurationSource(settings: $0) })
        return try await HTTPSecurityScope.$current.withValue(scope) {
            try await OperatorHTTPClient.fetch(HTTPClientRequest(url: url), deadline: .seconds(30), maxBodyBytes: 1 << 16)
        }
    }

    /// The failure's words; fails the test when the request succeeded.
    static func failure(_ url: String, tls: TLSFileSettings?) async -> String {
        do {
            let response = try await get(url, tls: tls)
            Issue.record("expected a TLS failure, got HTTP \(response.status)")
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func mutualTLSWithTheRightFilesWorks() async throws {
        let certs = try await TestCertificates.make()
        defer { certs.directory.remove() }
        let server = try await TLSLoopbackServer.start(certificate: certs.serverCert, key: certs.serverKey, clientCA: certs.caFile)
        let tls = TLSFileSettings(caFile: certs.caFile, certFile: certs.clientCert, keyFile: certs.clientKey)
        let response = try await Self.get(server.baseURL + "/ok", tls: tls)
        await server.stop()
        #expect(response.status == 200)
        #expect(String(buffer: response.body) == "ok")
    }

    @Test func eachFailureSaysWhatFailedAndWhatToCheck() async throws {
        let certs = try await TestCertificates.make()
        defer { certs.directory.remove() }
        let server = try await TLSLoopbackServer.start(certificate: certs.serverCert, key: certs.serverKey, clientCA: certs.caFile)
        let expired = try await TLSLoopbackServer.start(certificate: certs.expiredServerCert, key: certs.serverKey, clientCA: nil)
        let otherHost = try await TLSLoopbackServer.start(certificate: certs.otherHostServerCert, key: certs.serverKey, clientCA: nil)
        let plain = try await LoopbackServer.start { router in router.get("/ok") { _, _ in "ok" } }
        let url = server.baseURL + "/ok"
        let client = TLSFileSettings(caFile: certs.caFile, certFile: certs.clientCert, keyFile: certs.clientKey)

        let unknownCA = await Self.failure(url, tls: TLSFileSettings(caFile: certs.wrongCAFile, certFile: certs.clientCert, keyFile: certs.clientKey))
        let noClientCert = await Self.failure(url, tls: TLSFileSettings(caFile: certs.caFile))
        let refusedClientCert = await Self.failure(
            url, tls: TLSFileSettings(caFile: certs.caFile, certFile: certs.wrongCAClientCert, keyFile: certs.wrongCAClientKey))
        let expiredCert = await Self.failure(expired.baseURL + "/ok", tls: client)
        let hostMismatch = await Self.failure(otherHost.baseURL + "/ok", tls: client)
        let httpsToPlain = await Self.failure("https://127.0.0.1:\(plain.port)/ok", tls: client)
        let mismatchedKey = await Self.failure(url, tls: TLSFileSettings(caFile: certs.caFile, certFile: certs.clientCert, keyFile: certs.strayKey))
        let missingFile = await Self.failure(url, tls: TLSFileSettings(caFile: certs.directory.file("nope.pem")))
        await server.stop()
        await expired.stop()
        await otherHost.stop()
        await plain.stopAndWait()

        // Every message names the endpoint (the fetch error's prefix) and the reason.
        for message in [unknownCA, noClientCert, refusedClientCert, expiredCert, hostMismatch, httpsToPlain] {
            #expect(message.contains("127.0.0.1:"), "\(message)")
        }
        #expect(unknownCA.contains("not signed by the CA in ca_file \(certs.wrongCAFile)"), "\(unknownCA)")
        #expect(unknownCA.contains("its dates are valid") && !unknownCA.contains("expired"), "a wrong CA is told from dates: \(unknownCA)")
        #expect(noClientCert.contains("requires a client certificate"), "\(noClientCert)")
        #expect(noClientCert.contains("--cert-file"), "\(noClientCert)")
        #expect(refusedClientCert.contains("refused the client certificate in cert_file \(certs.wrongCAClientCert)"), "\(refusedClientCert)")
        // Signed by the trusted CA, but past its notAfter: said so with the date, not blamed on the CA.
        let notAfter = try NIOSSLCertificate.fromPEMFile(certs.expiredServerCert)[0].notValidAfter
        let expiredOn = CertificateDates.format(Date(timeIntervalSince1970: TimeInterval(notAfter)))
        #expect(expiredCert.contains("certificate expired on \(expiredOn)"), "\(expiredCert)")
        #expect(expiredCert.contains("renew the server's certificate"), "\(expiredCert)")
        #expect(!expiredCert.contains("not signed by"), "an expired certificate is not a wrong CA: \(expiredCert)")
        #expect(hostMismatch.contains("not issued for the host in the URL"), "\(hostMismatch)")
        #expect(httpsToPlain.contains("does not speak TLS on this port"), "\(httpsToPlain)")
        #expect(mismatchedKey.contains("key_file \(certs.strayKey) does not match cert_file \(certs.clientCert)"), "\(mismatchedKey)")
        #expect(missingFile.contains("ca_file \(certs.directory.file("nope.pem")) cannot be read"), "\(missingFile)")
        // Never a key's contents.
        let key = try String(contentsOfFile: certs.clientKey, encoding: .utf8)
        let keyBody = key.split(separator: "\n").dropFirst().first.map(String.init) ?? "unreachable"
        for message in [unknownCA, noClientCert, refusedClientCert, mismatchedKey] { #expect(!message.contains(keyBody)) }
    }

    /// `tls.server_name`: endpoints by address (https://127.0.0.1:port), a certificate issued only for a DNS
    /// name. The name is what the certificate is checked against; the URL's address is where the request goes.
    @Test func serverNameIsCheckedWhileTheURLsAddressIsWhereItConnects() async throws {
        let certs = try await TestCertificates.make()
        defer { certs.directory.remove() }
        let server = try await TLSLoopbackServer.start(certificate: certs.otherHostServerCert, key: certs.serverKey, clientCA: certs.caFile)
        let url = server.baseURL + "/host"
        let client = TLSFileSettings(caFile: certs.caFile, certFile: certs.clientCert, keyFile: certs.clientKey)
        var named = client
        named.serverName = "other.invalid"
        var misnamed = client
        misnamed.serverName = "pd0.invalid"

        let unnamed = await Self.failure(url, tls: client)
        let response = try await Self.get(url, tls: named)
        let again = try await Self.get(url, tls: named)
        let wrongName = await Self.failure(url, tls: misnamed)
        await server.stop()

        #expect(unnamed.contains("not issued for the host in the URL") && unnamed.contains("tls.server_name"), "\(unnamed)")
        #expect(response.status == 200 && again.status == 200)
        // Asked at the URL's address, as without server_name.
        #expect(String(buffer: response.body) == "127.0.0.1:\(server.port)")
        #expect(wrongName.contains("not issued for pd0.invalid, the name in tls.server_name"), "\(wrongName)")
        #expect(wrongName.contains("https://127.0.0.1:\(server.port)/host"), "the error names the URL as configured: \(wrongName)")
    }

    /// Prometheus's own `tls.server_name` applies to its origin only: the cluster's settings (no name) stay
    /// for the cluster's servers.
    @Test func prometheusServerNameAppliesToItsOriginOnly() async throws {
        let certs = try await TestCertificates.make()
        defer { certs.directory.remove() }
        let prometheus = try await TLSLoopbackServer.start(certificate: certs.otherHostServerCert, key: certs.serverKey, clientCA: nil)
        let cluster = try await TLSLoopbackServer.start(certificate: certs.serverCert, key: certs.serverKey, clientCA: nil)
        let clusterTLS = TLSConfigurationSource(settings: TLSFileSettings(caFile: certs.caFile))
        let scope = HTTPSecurityScope(clusterTLS: clusterTLS).adding(
            url: prometheus.baseURL,
            .init(tls: TLSConfigurationSource(settings: TLSFileSettings(caFile: certs.caFile, serverName: "other.invalid"))))
        func status(_ base: String) async throws -> Int {
            try await HTTPSecurityScope.$current.withValue(scope) {
                try await OperatorHTTPClient.fetch(HTTPClientRequest(url: base + "/ok"), deadline: .seconds(30), maxBodyBytes: 1 << 16).status
            }
        }
        let toPrometheus = try await status(prometheus.baseURL)
        let toCluster = try await status(cluster.baseURL)
        await prometheus.stop()
        await cluster.stop()
        #expect(toPrometheus == 200 && toCluster == 200)
    }

    /// Certificates rotate: rewriting the client certificate and key on disk takes effect on the next
    /// request, with no new source and no restart.
    @Test func rotatedClientCertificateIsReadAgain() async throws {
        let certs = try await TestCertificates.make()
        defer { certs.directory.remove() }
        let server = try await TLSLoopbackServer.start(certificate: certs.serverCert, key: certs.serverKey, clientCA: certs.caFile)
        let live = (cert: certs.directory.file("live-client.pem"), key: certs.directory.file("live-client-key.pem"))
        func install(_ cert: String, _ key: String) throws { try TestCertificates.rotate(cert: cert, key: key, into: live) }
        try install(certs.clientCert, certs.clientKey)
        let source = TLSConfigurationSource(settings: TLSFileSettings(caFile: certs.caFile, certFile: live.cert, keyFile: live.key))
        let scope = HTTPSecurityScope(clusterTLS: source)
        func get() async throws -> Int {
            try await HTTPSecurityScope.$current.withValue(scope) {
                try await OperatorHTTPClient.fetch(HTTPClientRequest(url: server.baseURL + "/ok"), deadline: .seconds(30), maxBodyBytes: 1 << 16).status
            }
        }
        let before = try await get()
        let again = try await get()
        let loadsBefore = source.loadCount
        // A certificate the server refuses: proves the rotated file is what the next handshake presents.
        try install(certs.wrongCAClientCert, certs.wrongCAClientKey)
        var refused = ""
        do { _ = try await get() } catch { refused = "\(error)" }
        try install(certs.secondClientCert, certs.secondClientKey)
        let after = try await get()
        await server.stop()
        #expect(before == 200 && again == 200)
        #expect(loadsBefore == 1, "unchanged files are not read again")
        #expect(refused.contains("refused the client certificate"), "\(refused)")
        #expect(after == 200)
        #expect(source.loadCount == 3)
    }

    /// Prometheus's credentials go to its origin only, read from the file at request time.
    @Test func basicAuthGoesToItsOriginOnly() async throws {
        let certs = try await TestCertificates.make()
        defer { certs.directory.remove() }
        let prometheus = try await TLSLoopbackServer.start(certificate: certs.serverCert, key: certs.serverKey, clientCA: nil)
        let cluster = try await TLSLoopbackServer.start(certificate: certs.serverCert, key: certs.serverKey, clientCA: nil)
        let passwordFile = certs.directory.file("prom-password")
        try "s3cret\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let tls = TLSConfigurationSource(settings: TLSFileSettings(caFile: certs.caFile))
        let scope = HTTPSecurityScope(clusterTLS: tls).adding(
            url: prometheus.baseURL, .init(tls: tls, authorization: .basic(username: "op", password: .file(passwordFile))))
        func authorization(_ base: String) async throws -> String {
            try await HTTPSecurityScope.$current.withValue(scope) {
                String(buffer: try await OperatorHTTPClient.fetch(
                    HTTPClientRequest(url: base + "/authorization"), deadline: .seconds(30), maxBodyBytes: 1 << 16).body)
            }
        }
        let toPrometheus = try await authorization(prometheus.baseURL)
        let toCluster = try await authorization(cluster.baseURL)
        await prometheus.stop()
        await cluster.stop()
        #expect(toPrometheus == "Basic " + Data("op:s3cret".utf8).base64EncodedString())
        #expect(toCluster == "none")
    }
}
