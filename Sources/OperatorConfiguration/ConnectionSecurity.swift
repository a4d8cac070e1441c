import Foundation
import OperatorCore
import OperatorHTTP

/// A Prometheus server with the credentials and TLS settings requests to it use, as Prometheus's own
/// `http_config` names them:
///
/// ```yaml
/// prometheus: { url: https://prom:9090, basic_auth: { username: op, password_file: /run/secrets/prom },
///               tls: { ca_file: ca.pem } }
/// ```
/// `prometheus: http://prom:9090` (a plain URL) stays valid.
public struct PrometheusEndpoint: Sendable {
    public var url: EndpointURL
    public var authorization: HTTPAuthorization?
    public var tls: TLSFileSettings?

    public init(url: EndpointURL, authorization: HTTPAuthorization? = nil, tls: TLSFileSettings? = nil) {
        self.url = url
        self.authorization = authorization
        self.tls = tls
    }
}

extension OperatorConfigFile {
    static let tlsKeys: Set<String> = ["ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify"]
    static let prometheusKeys: Set<String> = ["url", "basic_auth", "bearer_token", "bearer_token_file", "tls"]
    static let basicAuthKeys: Set<String> = ["username", "password", "password_file"]

    /// The `tls:` mapping (`ca_file`, `cert_file`, `key_file`, `server_name`, `insecure_skip_verify`), paths
    /// resolved against the config file's directory; nil when absent.
    public func tlsSettings() throws(ConfigurationError) -> TLSFileSettings? {
        guard let value = values["tls"], value != .null else { return nil }
        return try tlsSettings(value, key: "tls")
    }

    /// `prometheus:` as a URL or as a mapping with `url` and its credentials.
    public func prometheusEndpoint() throws(ConfigurationError) -> PrometheusEndpoint? {
        guard let value = values["prometheus"], value != .null else { return nil }
        guard case .object(let object) = value else {
            guard let url = try endpointURL("prometheus") else { return nil }
            return PrometheusEndpoint(url: url)
        }
        try refuseUnknown(object, known: Self.prometheusKeys, key: "prometheus")
        guard let urlText = object["url"]?.stringValue else {
            throw ConfigurationError(
                "config file \(fileName): \"\(scopedKey("prometheus"))\" needs url: (e.g. url: https://prometheus:9090)")
        }
        let url = try EndpointURL.parse(urlText, from: source("prometheus.url"))
        var authorization: HTTPAuthorization?
        if let basic = object["basic_auth"] {
            guard case .object(let auth) = basic else { throw mappingError("prometheus.basic_auth", "username:, password_file:") }
            try refuseUnknown(auth, known: Self.basicAuthKeys, key: "prometheus.basic_auth")
            guard let username = auth["username"]?.stringValue, !username.isEmpty else {
                throw ConfigurationError("config file \(fileName): \"\(scopedKey("prometheus.basic_auth"))\" needs username:")
            }
            let password = try secret(
                auth, value: "password", file: "password_file", key: "prometheus.basic_auth", required: true)
            authorization = password.map { .basic(username: username, password: $0) }
        }
        if let token = try secret(object, value: "bearer_token", file: "bearer_token_file", key: "prometheus", required: false) {
            guard authorization == nil else {
                throw ConfigurationError(
                    "config file \(fileName): \"\(scopedKey("prometheus"))\" sets both basic_auth and a bearer token; keep one")
            }
            authorization = .bearer(token)
        }
        let tls = try object["tls"].map { v throws(ConfigurationError) in try tlsSettings(v, key: "prometheus.tls") }
        return PrometheusEndpoint(url: url, authorization: authorization, tls: tls)
    }

    /// A path as written, or against the config file's directory when relative.
    public func resolvedPath(_ written: String) -> String {
        guard !written.hasPrefix("/"), let path else { return written }
        let directory = (path as NSString).deletingLastPathComponent
        return directory.isEmpty ? written : (directory as NSString).appendingPathComponent(written)
    }

    private func tlsSettings(_ value: JSONValue, key: String) throws(ConfigurationError) -> TLSFileSettings {
        guard case .object(let object) = value else { throw mappingError(key, "ca_file:, cert_file:, key_file:") }
        try refuseUnknown(object, known: Self.tlsKeys, key: key)
        func path(_ name: String) throws(ConfigurationError) -> String? {
            guard let v = object[name], v != .null else { return nil }
            guard let text = v.stringValue, !text.isEmpty else {
                throw ConfigurationError("config file \(fileName): \"\(scopedKey("\(key).\(name)"))\" must be a file path")
            }
            return resolvedPath(text)
        }
        var settings = TLSFileSettings(caFile: try path("ca_file"), certFile: try path("cert_file"), keyFile: try path("key_file"))
        if let name = object["server_name"], name != .null {
            guard let text = name.stringValue, !text.isEmpty else {
                throw ConfigurationError("config file \(fileName): \"\(scopedKey("\(key).server_name"))\" must be a host name")
            }
            settings.serverName = text
        }
        if let skip = object["insecure_skip_verify"] {
            guard case .bool(let flag) = skip else {
                throw ConfigurationError("config file \(fileName): \"\(scopedKey("\(key).insecure_skip_verify"))\" must be true or false")
            }
            settings.insecureSkipVerify = flag
        }
        if (settings.certFile == nil) != (settings.keyFile == nil) {
            throw ConfigurationError(
                "config file \(fileName): \"\(scopedKey(key))\" sets \(settings.certFile == nil ? "key_file without cert_file" : "cert_file without key_file"); a client certificate needs both")
        }
        return settings
    }

    /// A secret given inline (`value`) or by file (`file`), never both.
    private func secret(
        _ object: [String: JSONValue], value: String, file: String, key: String, required: Bool
    ) throws(ConfigurationError) -> SecretSource? {
        let inline = object[value]
        let path = object[file]
        switch (inline, path) {
        case (nil, nil):
            if required {
                throw ConfigurationError(
                    "config file \(fileName): \"\(scopedKey(key))\" needs \(file): (a file holding the secret) or \(value):")
            }
            return nil
        case (_?, _?):
            throw ConfigurationError("config file \(fileName): \"\(scopedKey(key))\" sets both \(value) and \(file); keep one (\(file) is preferred)")
        case (let v?, nil):
            guard let text = v.stringValue, !text.isEmpty else {
                throw ConfigurationError("config file \(fileName): \"\(scopedKey("\(key).\(value)"))\" must be text")
            }
            return .value(text)
        case (nil, let p?):
            guard let text = p.stringValue, !text.isEmpty else {
                throw ConfigurationError("config file \(fileName): \"\(scopedKey("\(key).\(file)"))\" must be a file path")
            }
            return .file(resolvedPath(text))
        }
    }

    private func refuseUnknown(_ object: [String: JSONValue], known: Set<String>, key: String) throws(ConfigurationError) {
        if let unknown = object.keys.filter({ !known.contains($0) }).sorted().first {
            throw ConfigurationError(
                "config file \(fileName): unknown setting \"\(scopedKey("\(key).\(unknown)"))\"; \(key) knows \(known.sorted().joined(separator: ", "))")
        }
    }

    private func mappingError(_ key: String, _ example: String) -> ConfigurationError {
        ConfigurationError("config file \(fileName): \"\(scopedKey(key))\" must be a mapping (\(example))")
    }
}
