import Foundation
import OperatorHTTP
import OperatorTestSupport
import PrometheusClient
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real Prometheus behind its own `--web.config.file`: TLS and `basic_auth_users` with a bcrypt hash
/// made by the test. PromQL works with the configured credentials; a wrong password is a clear 401.
@Suite("Prometheus behind TLS and basic auth")
struct SecuredPrometheusTests {
    static var prometheusPath: String? {
        ["/usr/bin/prometheus", "/usr/local/bin/prometheus"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }
    static var perlPath: String? { ["/usr/bin/perl"].first { FileManager.default.isExecutableFile(atPath: $0) } }

    /// bcrypt through the system's crypt(3) (libxcrypt), which Prometheus's web config accepts.
    static func bcrypt(_ password: String, in directory: TemporaryDirectory) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(perlPath))
        process.arguments = ["-e", #"print crypt($ARGV[0], '$2b$05$' . $ARGV[1])"#, password, "operatortestsaltabcdef"]
        let output = directory.file("bcrypt.out")
        FileManager.default.createFile(atPath: output, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardOutput = handle
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        try handle.close()
        let hash = try String(contentsOfFile: output, encoding: .utf8)
        guard hash.hasPrefix("$2b$05$"), hash.count == 60 else {
            throw TestCertificates.CertificateFailure(description: "crypt(3) gave no bcrypt hash: \(hash)")
        }
        return hash
    }

    @Test(.enabled(if: prometheusPath != nil && perlPath != nil && TestCertificates.installed, "needs prometheus, perl and openssl"))
    func promQLWithTLSAndBasicAuth() async throws {
        let certs = try await TestCertificates.make()
        defer { certs.directory.remove() }
        let dir = certs.directory
        let hash = try await Self.bcrypt("prom-secret", in: dir)
        try "global: { scrape_interval: 1m }\n".write(toFile: dir.file("prometheus.yml"), atomically: true, encoding: .utf8)
        try """
            tls_server_config: { cert_file: \(certs.serverCert), key_file: \(certs.serverKey) }
            basic_auth_users: { op: '\(hash)' }
            """.write(toFile: dir.file("web.yml"), atomically: true, encoding: .utf8)
        try "prom-secret\n".write(toFile: dir.file("password"), atomically: true, encoding: .utf8)
        try "not-it\n".write(toFile: dir.file("wrong"), atomically: true, encoding: .utf8)
        let port = try FreePorts.take(1)[0]
        let prometheus = Process()
        prometheus.executableURL = URL(fileURLWithPath: try #require(Self.prometheusPath))
        prometheus.arguments = [
            "--config.file=\(dir.file("prometheus.yml"))", "--storage.tsdb.path=\(dir.file("data"))",
            "--web.listen-address=127.0.0.1:\(port)", "--web.config.file=\(dir.file("web.yml"))",
        ]
        prometheus.standardOutput = FileHandle.nullDevice
        prometheus.standardError = FileHandle.nullDevice
        try prometheus.run()
        let pid = prometheus.processIdentifier
        defer {
            kill(pid, SIGKILL)
            prometheus.waitUntilExit()
        }
        let url = "https://127.0.0.1:\(port)"
        let tls = TLSConfigurationSource(settings: TLSFileSettings(caFile: certs.caFile))
        func api(password: String) -> (PrometheusAPI, HTTPSecurityScope) {
            let scope = HTTPSecurityScope(clusterTLS: nil).adding(
                url: url, .init(tls: tls, authorization: .basic(username: "op", password: .file(dir.file(password)))))
            return (PrometheusAPI(baseURL: url, timeout: .seconds(20)), scope)
        }
        let (good, goodScope) = api(password: "password")
        var answer: [PrometheusVectorSample] = []
        var last = ""
        let deadline = ContinuousClock.now + .seconds(90)
        while answer.isEmpty, ContinuousClock.now < deadline {
            do {
                answer = try await HTTPSecurityScope.$current.withValue(goodScope) { try await good.queryVector("vector(42)") }
            } catch {
                last = "\(error)"
                try await Task.sleep(for: .milliseconds(300))
            }
        }
        #expect(answer.first?.point.value == 42, "\(last)")

        let (bad, badScope) = api(password: "wrong")
        var refused = ""
        do { _ = try await HTTPSecurityScope.$current.withValue(badScope) { try await bad.queryVector("vector(42)") } } catch {
            refused = "\(error)"
        }
        #expect(refused.contains("Prometheus at \(url) did not accept the credentials"), "\(refused)")
        #expect(refused.contains("HTTP 401"), "\(refused)")
        #expect(!refused.contains("not-it") && !refused.contains("prom-secret"))
    }
}
