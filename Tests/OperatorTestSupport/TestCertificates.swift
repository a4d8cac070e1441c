import Foundation

/// Certificates made by `openssl` for one test, in a temporary directory: a CA, a server certificate for
/// 127.0.0.1/localhost, a client certificate, and the bad cases (an unrelated CA, an expired server
/// certificate, a server certificate for another host, a key that belongs to no certificate here).
/// EC P-256 keys: fast to make on a loaded machine.
public struct TestCertificates: Sendable {
    public let directory: TemporaryDirectory

    public var caFile: String { directory.file("ca.pem") }
    public var serverCert: String { directory.file("server.pem") }
    public var serverKey: String { directory.file("server-key.pem") }
    public var clientCert: String { directory.file("client.pem") }
    public var clientKey: String { directory.file("client-key.pem") }
    /// A CA that signed nothing here: trusting it alone fails verification of the server.
    public var wrongCAFile: String { directory.file("wrong-ca.pem") }
    /// Signed by the CA but already expired (notAfter a day before notBefore).
    public var expiredServerCert: String { directory.file("expired-server.pem") }
    /// Signed by the CA for `other.invalid` only.
    public var otherHostServerCert: String { directory.file("other-server.pem") }
    /// A second client certificate and key from the same CA (for rotation).
    public var secondClientCert: String { directory.file("client2.pem") }
    public var secondClientKey: String { directory.file("client2-key.pem") }
    /// A key that matches no certificate here.
    public var strayKey: String { directory.file("stray-key.pem") }
    /// A client certificate from the wrong CA (a server trusting `caFile` refuses it).
    public var wrongCAClientCert: String { directory.file("wrong-client.pem") }
    public var wrongCAClientKey: String { directory.file("wrong-client-key.pem") }

    public static var installed: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") || which("openssl") != nil }

    public static func make() async throws -> TestCertificates {
        let certificates = TestCertificates(directory: try TemporaryDirectory(prefix: "operator-tls"))
        try await certificates.generate()
        return certificates
    }

    private func generate() async throws {
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try await openssl(["req", "-x509"] + ec + ["-keyout", "ca-key.pem", "-out", "ca.pem", "-subj", "/CN=operator-test-ca", "-days", "2"])
        try await openssl(["req", "-x509"] + ec + ["-keyout", "wrong-ca-key.pem", "-out", "wrong-ca.pem", "-subj", "/CN=wrong-ca", "-days", "2"])
        try write("server.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n")
        try write("other.ext", "subjectAltName=DNS:other.invalid\nextendedKeyUsage=serverAuth\n")
        try write("client.ext", "extendedKeyUsage=clientAuth\n")
        try await issue("server", ca: "ca", ext: "server.ext", days: "2")
        try await issue("client", ca: "ca", ext: "client.ext", days: "2")
        try await issue("client2", ca: "ca", ext: "client.ext", days: "2")
        try await issue("wrong-client", ca: "wrong-ca", ext: "client.ext", days: "2")
        // Same key as the server, so only the dates (or the name) differ from the good certificate.
        try await sign("expired-server", key: "server-key.pem", ca: "ca", ext: "server.ext", days: "-1")
        try await sign("other-server", key: "server-key.pem", ca: "ca", ext: "other.ext", days: "2")
        try await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", "stray-key.pem"])
    }

    private func issue(_ name: String, ca: String, ext: String, days: String) async throws {
        try await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", "\(name)-key.pem"])
        try await sign(name, key: "\(name)-key.pem", ca: ca, ext: ext, days: days)
    }

    private func sign(_ name: String, key: String, ca: String, ext: String, days: String) async throws {
        try await openssl(["req", "-new", "-key", key, "-out", "\(name).csr", "-subj", "/CN=\(name)"])
        try await openssl([
            "x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).pem", "-CAkey", "\(ca)-key.pem", "-CAcreateserial",
            "-out", "\(name).pem", "-days", days, "-extfile", ext,
        ])
    }

    private func write(_ name: String, _ text: String) throws {
        try text.write(toFile: directory.file(name), atomically: true, encoding: .utf8)
    }

    /// Runs openssl in the directory, polling for its exit without blocking a cooperative thread.
    private func openssl(_ arguments: [String]) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.which("openssl") ?? "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = directory.url
        let errors = directory.file("openssl.err")
        FileManager.default.createFile(atPath: errors, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
        defer { try? handle.close() }
        process.standardError = handle
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(120)
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                process.terminate()
                throw CertificateFailure(description: "openssl \(arguments.joined(separator: " ")) did not finish in 120 s")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        guard process.terminationStatus == 0 else {
            let text = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
            throw CertificateFailure(description: "openssl \(arguments.joined(separator: " ")) failed: \(text)")
        }
    }

    static func which(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    public struct CertificateFailure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// Puts `cert` and `key` in place at `live` by copying each beside its target and renaming it over,
    /// as cert-manager and most rotation tools do: a reader sees the old file or the new, never half of one.
    public static func rotate(cert: String, key: String, into live: (cert: String, key: String)) throws {
        for (from, to) in [(cert, live.cert), (key, live.key)] {
            let staged = to + ".new"
            try? FileManager.default.removeItem(atPath: staged)
            try FileManager.default.copyItem(atPath: from, toPath: staged)
            _ = rename(staged, to)
        }
    }

}
