import AsyncHTTPClient
import Foundation
import Synchronization

/// Basic-auth credentials by origin (scheme, host, port), the only place a URL's `user:password` lives.
///
/// URLs lose their userinfo where they enter the program, so logs, errors, the database and prompts
/// never see it; the entry point registers the credentials here and `OperatorHTTPClient.fetch`, which
/// every request goes through, applies them at the last moment. Keyed by origin, so URLs a cluster advertises for the same
/// server (its member list) get the same credentials.
public final class HTTPCredentials: Sendable {
    public static let shared = HTTPCredentials()

    private let authorizations = Mutex<[String: String]>([:])

    public init() {}

    /// Sends `Authorization: Basic …` with every request to `url`'s origin.
    public func register(url: String, username: String, password: String) {
        guard let origin = Self.origin(of: url) else { return }
        let value = "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        authorizations.withLock { $0[origin] = value }
    }

    /// The `Authorization` value for `url`, if its origin has credentials.
    public func authorization(for url: String) -> String? {
        guard let origin = Self.origin(of: url) else { return nil }
        return authorizations.withLock { $0[origin] }
    }

    /// Adds the credentials for the request's origin, unless the request already authorizes itself
    /// (a model API key).
    public func apply(to request: inout HTTPClientRequest) {
        guard request.headers["authorization"].isEmpty, let value = authorization(for: request.url) else { return }
        request.headers.replaceOrAdd(name: "Authorization", value: value)
    }

    /// What `OperatorHTTPClient.fetch` calls on every request.
    public static func apply(to request: inout HTTPClientRequest) {
        shared.apply(to: &request)
    }

    /// `scheme://host:port`, lowercased, with the scheme's default port filled in; userinfo ignored.
    static func origin(of url: String) -> String? {
        guard let separator = url.range(of: "://") else { return nil }
        let scheme = url[..<separator.lowerBound].lowercased()
        let rest = url[separator.upperBound...]
        var authority = rest[..<(rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex)]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        let host: Substring
        var port: Substring?
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = authority[...close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { port = after.dropFirst() }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            port = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { return nil }
        let defaultPort = scheme == "https" ? "443" : "80"
        let portText = port.flatMap { $0.isEmpty ? nil : String($0) } ?? defaultPort
        return "\(scheme)://\(host.lowercased()):\(portText)"
    }
}
