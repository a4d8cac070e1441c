import AsyncHTTPClient
import NIOCore
import NIOSSL

/// Words for TLS failures: what failed in the handshake and what to check, instead of BoringSSL's
/// `handshakeFailed(sslError([...CERTIFICATE_VERIFY_FAILED]))`. The URL is named by the caller's error.
public enum TLSFailureText {
    /// An error whose words are already final.
    struct Described: Error {
        var words: String
        init(_ words: String) { self.words = words }
    }

    /// The failure class, or nil when `error` is not a TLS failure.
    public static func describe(_ error: any Error, url: String) -> String? {
        if let described = error as? Described { return described.words }
        if let failed = error as? TLSHandshake.Failed { return describe(failed.underlying, url: url) ?? "TLS handshake failed (\(failed))" }
        let text = "\(error)"
        let source = HTTPSecurityScope.tlsSource(for: url)
        let settings = source?.settings
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            if let serverName = settings?.serverName, !(settings?.insecureSkipVerify ?? false) {
                return "TLS: the server's certificate is not issued for \(serverName), the name in tls.server_name (\(extra)); set server_name to a name the certificate lists in its subjectAltName (openssl x509 -noout -ext subjectAltName), or reissue the server certificate with this name"
            }
            return "TLS: the server's certificate is not issued for the host in the URL (\(extra)); connect by a name (or IP) the certificate lists in its subjectAltName, set tls.server_name to one of those names (the URL's address is still where Operator connects), or reissue the server certificate with this name"
        }
        let upper = text.uppercased()
        if upper.contains("CERTIFICATE_VERIFY_FAILED") {
            return "TLS: the server's certificate was not accepted: it is not signed by \(trust(settings)), or it is expired or not yet valid; set ca_file (--ca-file) to the CA that issued the server's certificate and check the certificate's dates (openssl x509 -noout -dates)"
        }
        if upper.contains("CERTIFICATE_REQUIRED") || upper.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE")
            || upper.contains("SSLV3_ALERT_HANDSHAKE_FAILURE") || upper.contains("SSLV3_ALERT_BAD_CERTIFICATE")
            || upper.contains("TLSV1_ALERT_UNKNOWN_CA") || upper.contains("SSLV3_ALERT_CERTIFICATE_EXPIRED")
            || upper.contains("TLSV1_ALERT_DECRYPT_ERROR")
        {
            guard let certFile = settings?.certFile else {
                return "TLS: the server requires a client certificate and none was given; set cert_file and key_file (--cert-file, --key-file) to a certificate issued by the CA the server trusts"
            }
            let why = upper.contains("EXPIRED") ? "it reports the certificate expired" : "it does not trust it"
            return "TLS: the server refused the client certificate in cert_file \(certFile) (\(why)); give a current certificate issued by the CA the server trusts (etcd: --trusted-ca-file; PD/TiKV: security.cacert-path)"
        }
        if upper.contains("WRONG_VERSION_NUMBER") || upper.contains("PACKET_LENGTH_TOO_LONG")
            || upper.contains("HTTP_REQUEST") || upper.contains("UNKNOWN_PROTOCOL")
        {
            return "TLS: the server does not speak TLS on this port (it answered in plain text); use an http:// URL, or the port where the server serves TLS"
        }
        if error is NIOSSLError || error is BoringSSLError {
            return "TLS handshake failed (\(text)); check ca_file, cert_file and key_file against the server's TLS settings"
        }
        return nil
    }

    private static func trust(_ settings: TLSFileSettings?) -> String {
        settings?.caFile.map { "the CA in ca_file \($0)" } ?? "the system's CAs (no ca_file given)"
    }

    /// True when the client refused the server's certificate (BoringSSL's one verdict for a wrong CA and
    /// for dates alike): ``verificationFailure(url:timeout:)`` tells them apart.
    static func isVerificationFailure(_ error: any Error) -> Bool {
        if let failed = error as? TLSHandshake.Failed { return isVerificationFailure(failed.underlying) }
        return (error is NIOSSLError || error is BoringSSLError) && "\(error)".uppercased().contains("CERTIFICATE_VERIFY_FAILED")
    }

    /// Why the server at `url` failed verification, from its certificate's dates: read by a second handshake
    /// that verifies nothing and sends nothing but the handshake (the client certificate included, for a
    /// server that asks for one). nil when that handshake fails too (the combined words stay).
    static func verificationFailure(url: String, timeout: Duration) async -> String? {
        guard let key = HTTPCredentials.origin(of: url), key.hasPrefix("https://"),
            let hostPort = key.split(separator: "://", maxSplits: 1).last, let colon = hostPort.lastIndex(of: ":"),
            let port = Int(hostPort[hostPort.index(after: colon)...])
        else { return nil }
        var host = String(hostPort[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let source = HTTPSecurityScope.tlsSource(for: url)
        var configuration = (try? source?.configuration()) ?? TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        guard let (channel, peer) = try? await TLSHandshake.connect(
            host: host, port: port, configuration: configuration, serverName: source?.settings.serverName, timeout: timeout)
        else { return nil }
        try? await channel.close()
        guard let peer else { return nil }
        return CertificateDates.problem(peer)
            ?? "TLS: the server's certificate is not signed by \(trust(source?.settings)) (its dates are valid); set ca_file (--ca-file) to the CA that issued the server's certificate (openssl x509 -noout -issuer shows which), and check that the server sends its intermediate certificates"
    }

    /// A plain-HTTP request answered by a TLS server: Go's servers (etcd, PD, TiKV's status server behind
    /// Go tooling) answer it with status 400 and this sentence instead of a TLS alert.
    static func plainHTTPToTLSPort(url: String, status: Int, body: ByteBuffer) -> String? {
        guard status == 400, url.lowercased().hasPrefix("http://") else { return nil }
        let start = String(buffer: body.getSlice(at: body.readerIndex, length: min(body.readableBytes, 200)) ?? ByteBuffer())
        guard start.contains("Client sent an HTTP request to an HTTPS server") else { return nil }
        return "the server speaks TLS on this port but the URL says http://; use https:// (with ca_file, and cert_file/key_file when it asks for a client certificate)"
    }
}

extension HTTPSecurityScope {
    /// The TLS settings a request to `url` uses in the calling task, if any.
    static func tlsSource(for url: String) -> TLSConfigurationSource? {
        guard let key = HTTPCredentials.origin(of: url) else { return nil }
        return settings(forOrigin: key, in: effective).tls
    }
}
