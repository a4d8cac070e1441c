import Foundation
import OperatorCore

/// An http(s) URL as it enters the program (flag, environment variable, operator.yaml), checked and
/// split: `url` is what the program carries everywhere (logs, errors, the database, prompts) and has no
/// userinfo; `credentials` hold the `user:password` part, for the HTTP layer alone.
public struct EndpointURL: Sendable, Equatable {
    public struct Credentials: Sendable, Equatable {
        public var username: String
        public var password: String

        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }
    }

    /// `scheme://host[:port][/path]`, without userinfo and without a trailing slash.
    public var url: String
    public var credentials: Credentials?

    /// Accepts `host:port` (adds http://) or a full http(s) URL with an optional `user:password@`.
    /// Errors name `source` and show the input with any userinfo redacted.
    public static func parse(_ text: String, from source: SettingSource) throws(ConfigurationError) -> EndpointURL {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let shown = "\"\(Redactor.redactUserinfo(trimmed))\""
        func failure(_ why: String) -> ConfigurationError {
            ConfigurationError("\(source.description): \(shown) \(why)")
        }
        let schemeEnd = trimmed.range(of: "://")
        let scheme = schemeEnd.map { trimmed[..<$0.lowerBound].lowercased() } ?? "http"
        guard scheme == "http" || scheme == "https" else {
            throw failure("is not an http(s) URL or host:port; write e.g. http://host:2379")
        }
        let rest = schemeEnd.map { trimmed[$0.upperBound...] } ?? Substring(trimmed)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        var path = String(rest[authorityEnd...])
        while path.hasSuffix("/") { path.removeLast() }

        var credentials: Credentials?
        if let at = authority.lastIndex(of: "@") {
            let userinfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            let colon = userinfo.firstIndex(of: ":")
            let user = String(userinfo[..<(colon ?? userinfo.endIndex)])
            let password = colon.map { String(userinfo[userinfo.index(after: $0)...]) } ?? ""
            guard let username = user.removingPercentEncoding, let secret = password.removingPercentEncoding else {
                throw failure("has userinfo that is not valid percent-encoding")
            }
            credentials = Credentials(username: username, password: secret)
        }

        let host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw failure("has an unterminated IPv6 address") }
            host = authority[...close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw failure("has text after the IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._[]:%".contains($0)) }) else {
            throw failure("has no valid host; write e.g. http://host:2379")
        }
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
                let number = Int(portText), (1...65535).contains(number)
            else {
                throw failure("has port \"\(portText)\"; a port must be 1…65535")
            }
        }
        let hostPort = portText.map { "\(host):\($0)" } ?? String(host)
        let url = "\(scheme)://\(hostPort)\(path)"
        guard URL(string: url) != nil else { throw failure("is not a valid URL") }
        return EndpointURL(url: url, credentials: credentials)
    }
}
