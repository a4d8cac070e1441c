import Foundation
import OperatorTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// `operator check` against a real etcd that requires TLS client certificates, given the files by flag
    /// and by operator.yaml; each missing or wrong file exits 2 saying what failed.
    @Suite("secured clusters: operator check over mutual TLS")
    struct SecuredClusterTests {
        static var etcdPath: String? {
            ["/usr/bin/etcd", "/usr/local/bin/etcd"].first { FileManager.default.isExecutableFile(atPath: $0) }
        }

        @Test(.enabled(if: etcdPath != nil && TestCertificates.installed, "needs etcd and openssl"))
        func checkOverMutualTLS() async throws {
            let certs = try await TestCertificates.make()
            defer { certs.directory.remove() }
            let ports = try FreePorts.take(2)
            let client = "https://127.0.0.1:\(ports[0])"
            let peer = "https://127.0.0.1:\(ports[1])"
            let etcd = Process()
            etcd.executableURL = URL(fileURLWithPath: try #require(Self.etcdPath))
            etcd.arguments = [
                "--name", "e1", "--data-dir", certs.directory.file("e1.data"),
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "e1=\(peer)",
                "--cert-file", certs.serverCert, "--key-file", certs.serverKey,
                "--client-cert-auth", "--trusted-ca-file", certs.caFile,
                "--peer-cert-file", certs.serverCert, "--peer-key-file", certs.serverKey,
                "--peer-client-cert-auth", "--peer-trusted-ca-file", certs.caFile,
            ]
            etcd.standardOutput = FileHandle.nullDevice
            etcd.standardError = FileHandle.nullDevice
            try etcd.run()
            let pid = etcd.processIdentifier
            defer {
                kill(pid, SIGKILL)
                etcd.waitUntilExit()
            }
            let base = ["check", "--subject", "etcd", "--endpoints", client, "--request-timeout", "10s"]
            let good = ["--ca-file", certs.caFile, "--cert-file", certs.clientCert, "--key-file", certs.clientKey]

            // Healthy once etcd is up (polled: a loaded machine starts etcd slowly).
            var healthy = try await OperatorBinary.run(base + good)
            let deadline = ContinuousClock.now + .seconds(90)
            while healthy.status != 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(500))
                healthy = try await OperatorBinary.run(base + good)
            }
            #expect(healthy.status == 0, "\(healthy.stdout) \(healthy.stderr)")

            // The same files from operator.yaml, relative to the file's directory.
            let config = certs.directory.file("operator.yaml")
            try """
                subject: etcd
                endpoints: [\(client)]
                tls: { ca_file: ca.pem, cert_file: client.pem, key_file: client-key.pem }
                """.write(toFile: config, atomically: true, encoding: .utf8)
            let fromFile = try await OperatorBinary.run(
                ["check", "--config", config, "--request-timeout", "10s"])
            #expect(fromFile.status == 0, "\(fromFile.stdout) \(fromFile.stderr)")

            // server_name: accepted and used end to end (the endpoint by address, the certificate checked
            // against the name, which its SAN lists). A name the certificate lacks is refused only when the
            // certificate does not list the connected IP either: NIOSSL accepts an IP SAN that matches the
            // connected address (TLSConnectionTests covers that case with a DNS-only certificate).
            try """
                subject: etcd
                endpoints: [\(client)]
                tls: { ca_file: ca.pem, cert_file: client.pem, key_file: client-key.pem, server_name: localhost }
                """.write(toFile: config, atomically: true, encoding: .utf8)
            let named = try await OperatorBinary.run(["check", "--config", config, "--request-timeout", "10s"])
            #expect(named.status == 0, "\(named.stdout) \(named.stderr)")
            // An IP is not a server name: refused before any request, saying what to do instead.
            try """
                subject: etcd
                endpoints: [\(client)]
                tls: { ca_file: ca.pem, server_name: 127.0.0.1 }
                """.write(toFile: config, atomically: true, encoding: .utf8)
            let ipName = try await OperatorBinary.run(["check", "--config", config, "--request-timeout", "10s"])
            #expect(ipName.status == 2)
            #expect(ipName.stderr.contains("tls.server_name 127.0.0.1 is an IP address"), "\(ipName.stderr)")

            let noClientCert = try await OperatorBinary.run(base + ["--ca-file", certs.caFile])
            #expect(noClientCert.status == 2)
            #expect(noClientCert.stdout.contains(client) || noClientCert.stderr.contains(client), "\(noClientCert.stdout) \(noClientCert.stderr)")
            #expect((noClientCert.stdout + noClientCert.stderr).contains("requires a client certificate"), "\(noClientCert.stdout) \(noClientCert.stderr)")

            let wrongCA = try await OperatorBinary.run(
                base + ["--ca-file", certs.wrongCAFile, "--cert-file", certs.clientCert, "--key-file", certs.clientKey])
            #expect(wrongCA.status == 2)
            #expect((wrongCA.stdout + wrongCA.stderr).contains("not signed by the CA in ca_file"), "\(wrongCA.stdout) \(wrongCA.stderr)")

            let mismatched = try await OperatorBinary.run(
                base + ["--ca-file", certs.caFile, "--cert-file", certs.clientCert, "--key-file", certs.strayKey])
            #expect(mismatched.status == 2)
            #expect(mismatched.stderr.contains("does not match cert_file"), "\(mismatched.stderr)")

            let halfPair = try await OperatorBinary.run(base + ["--cert-file", certs.clientCert])
            #expect(halfPair.status == 2)
            #expect(halfPair.stderr.contains("needs both --cert-file and --key-file"), "\(halfPair.stderr)")
        }

        /// Prometheus credentials and an etcd password never reach output or logs, even at debug level and
        /// when every request fails.
        @Test func secretsStayOutOfOutputAndLogs() async throws {
            let directory = try TemporaryDirectory(prefix: "operator-secrets")
            defer { directory.remove() }
            let dead = try closedLocalPorts(2)
            try "etcd-pass-5ecret\n".write(toFile: directory.file("etcd-password"), atomically: true, encoding: .utf8)
            let config = directory.file("operator.yaml")
            try """
                subject: etcd
                endpoints: [http://127.0.0.1:\(dead[0])]
                prometheus: { url: "http://127.0.0.1:\(dead[1])", basic_auth: { username: op, password: prom-pass-5ecret } }
                subjects:
                  etcd: { username: reader, password_file: etcd-password }
                """.write(toFile: config, atomically: true, encoding: .utf8)
            let result = try await OperatorBinary.run(
                ["check", "--config", config, "--json", "--log-level", "trace", "--request-timeout", "2s"], directory: directory.path)
            #expect(result.status == 2, "\(result.stdout) \(result.stderr)")
            let everything = result.stdout + result.stderr
            #expect(everything.contains("127.0.0.1:\(dead[0])"), "the failure names the endpoint: \(everything)")
            for secret in ["prom-pass-5ecret", "etcd-pass-5ecret", "cHJvbS1wYXNzLTVlY3JldA", "b3A6cHJvbS1wYXNzLTVlY3JldA"] {
                #expect(!everything.contains(secret), "\(secret) leaked: \(everything)")
            }

            // A password written into operator.yaml for etcd is refused, naming the fix, without echoing it.
            try """
                subject: etcd
                endpoints: [http://127.0.0.1:\(dead[0])]
                subjects:
                  etcd: { username: reader, password: etcd-inline-5ecret }
                """.write(toFile: config, atomically: true, encoding: .utf8)
            let inline = try await OperatorBinary.run(["check", "--config", config], directory: directory.path)
            #expect(inline.status == 2)
            #expect(inline.stderr.contains("password_file"), "\(inline.stderr)")
            #expect(!(inline.stdout + inline.stderr).contains("etcd-inline-5ecret"))
        }
    }
}
