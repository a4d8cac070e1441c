/// Where a connection's TLS material lives: the `tls:` mapping of operator.yaml (`ca_file`, `cert_file`,
/// `key_file`, `server_name`, `insecure_skip_verify`) or the `--ca-file/--cert-file/--key-file` flags.
///
/// Paths only: the files are read when a request needs them and read again when they change on disk, so
/// rotated certificates take effect without a restart (see ``TLSConfigurationSource``).
public struct TLSFileSettings: Sendable, Hashable {
    /// PEM bundle of the certificate authorities to trust instead of the system's.
    public var caFile: String?
    /// PEM client certificate (chain) presented to servers that ask for one (mutual TLS).
    public var certFile: String?
    /// PEM private key of `certFile`.
    public var keyFile: String?
    /// The name the server's certificate must carry when it differs from the host in the URL.
    public var serverName: String?
    /// Accepts any server certificate: for a lab, never production (the CLI warns loudly).
    public var insecureSkipVerify: Bool

    public init(
        caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, serverName: String? = nil,
        insecureSkipVerify: Bool = false
    ) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.serverName = serverName
        self.insecureSkipVerify = insecureSkipVerify
    }

    /// Nothing set: the system trust store, no client certificate.
    public var isEmpty: Bool {
        caFile == nil && certFile == nil && keyFile == nil && serverName == nil && !insecureSkipVerify
    }

    /// These settings with `other`'s set fields over them (flags over the configuration file).
    public func overridden(by other: TLSFileSettings) -> TLSFileSettings {
        TLSFileSettings(
            caFile: other.caFile ?? caFile, certFile: other.certFile ?? certFile, keyFile: other.keyFile ?? keyFile,
            serverName: other.serverName ?? serverName, insecureSkipVerify: other.insecureSkipVerify || insecureSkipVerify)
    }
}
