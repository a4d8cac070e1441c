import Foundation

/// Where a secret (a password, a bearer token) comes from. Read when a request needs it, so a rotated
/// file is used at once; never printed: `description` names the source, not the value.
public enum SecretSource: Sendable, Hashable, CustomStringConvertible {
    /// Given in operator.yaml itself (Prometheus's `password`, `bearer_token`).
    case value(String)
    /// A file holding the secret; one trailing newline is ignored (as Prometheus and Kubernetes do).
    case file(String)
    /// An environment variable.
    case environment(String)

    public var description: String {
        switch self {
        case .value: "an inline value"
        case .file(let path): "file \(path)"
        case .environment(let name): "environment variable \(name)"
        }
    }

    /// The secret now. Errors name the source and the fix, never the secret.
    public func read() throws(HTTPSecretError) -> String {
        let text: String
        switch self {
        case .value(let v):
            text = v
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw HTTPSecretError("secret file \(path) cannot be read; check the path and that this user may read it")
            }
            guard data.count <= 64 << 10, let contents = String(data: data, encoding: .utf8) else {
                throw HTTPSecretError("secret file \(path) is not a short UTF-8 text; it should hold only the secret")
            }
            text = contents.hasSuffix("\r\n") ? String(contents.dropLast(2)) : contents.hasSuffix("\n") ? String(contents.dropLast()) : contents
        case .environment(let name):
            guard let value = ProcessInfo.processInfo.environment[name] else {
                throw HTTPSecretError("environment variable \(name) is not set; export it with the secret")
            }
            text = value
        }
        guard !text.isEmpty else { throw HTTPSecretError("the secret from \(description) is empty") }
        return text
    }
}

/// A secret that cannot be read; never contains the secret.
public struct HTTPSecretError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// How requests to a server authorize themselves, as Prometheus's `http_config` names it.
public enum HTTPAuthorization: Sendable, Hashable {
    /// `basic_auth: { username, password | password_file }`.
    case basic(username: String, password: SecretSource)
    /// `bearer_token` / `bearer_token_file`.
    case bearer(SecretSource)

    /// The `Authorization` header value now.
    public func headerValue() throws(HTTPSecretError) -> String {
        switch self {
        case .basic(let username, let password):
            "Basic " + Data("\(username):\(try password.read())".utf8).base64EncodedString()
        case .bearer(let token):
            "Bearer " + (try token.read())
        }
    }
}
