import Foundation
import AsyncHTTPClient
import NIOCore

/// One request that gave no usable response: names the request, what went wrong, and the budget it had.
public struct HTTPFetchError: Error, CustomStringConvertible, Sendable, Equatable {
    /// How far the exchange got before it stopped.
    public enum Phase: String, Sendable, Equatable {
        /// No response headers yet: connecting (a connect slower than the client's connect timeout fails
        /// as such, at once), or connected and waiting for the server to answer.
        case awaitingHeaders = "waiting for headers"
        /// Headers received; the body was still arriving.
        case readingBody = "reading the body"
    }

    public enum Kind: Sendable, Equatable {
        /// The total budget (connect + headers + body) ran out.
        case deadlineExceeded(Phase, bytesReceived: Int)
        /// The body is larger than the caller accepts (declared by Content-Length, or counted while reading).
        case bodyTooLarge(limit: Int, declaredLength: Int?)
        /// Refused, reset, DNS failure, bad URL: the words of the underlying error.
        case transport(String)
        /// The caller's task was cancelled.
        case cancelled
    }

    public let method: String
    public let url: String
    /// The total budget the request had.
    public let budget: Duration
    public let kind: Kind

    public init(method: String, url: String, budget: Duration, kind: Kind) {
        self.method = method
        self.url = url
        self.budget = budget
        self.kind = kind
    }

    /// True when the deadline ran out (as opposed to a refusal or a bad answer).
    public var isDeadlineExceeded: Bool {
        if case .deadlineExceeded = kind { return true }
        return false
    }

    /// The cause without the URL, for errors that name the URL themselves.
    public var reason: String {
        let budgetText = Self.format(budget)
        switch kind {
        case .deadlineExceeded(.awaitingHeaders, _):
            return "timed out: no response headers within the \(budgetText) request deadline; the server did not answer (or a connection was never made)"
        case .deadlineExceeded(.readingBody, let bytes):
            return "timed out: response headers arrived, but the body was still arriving at the \(budgetText) request deadline (\(bytes) bytes received); the server is sending too slowly"
        case .bodyTooLarge(let limit, let declared):
            let size = declared.map { "declares \($0) bytes" } ?? "is longer"
            return "response body \(size), over the \(limit)-byte limit for this request (refused unread: larger than any realistic answer)"
        case .transport(let words):
            return words
        case .cancelled:
            return "cancelled"
        }
    }

    public var description: String { "\(method) \(url): \(reason)" }

    /// `3s`, `1.5s`, `250ms`: short, and exact for the budgets people type.
    static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let millis = attoseconds / 1_000_000_000_000_000
        if seconds == 0 { return "\(millis)ms" }
        if millis == 0 { return "\(seconds)s" }
        let fraction = String(String(millis + 1000).dropFirst())
        var trimmed = Substring(fraction)
        while trimmed.hasSuffix("0") { trimmed = trimmed.dropLast() }
        return "\(seconds).\(trimmed)s"
    }
}

/// Words for transport errors, so messages say "connection refused" or "timed out" rather than a type name.
public enum HTTPTransportErrorText {
    public static func describe(_ error: any Error, url: String? = nil) -> String {
        if let described = error as? TLSFailureText.Described { return described.words }
        if let url, let words = TLSFailureText.describe(error, url: url) { return words }
        if let e = error as? HTTPClientError {
            if e == .connectTimeout { return "timed out connecting (\(e)); check the address is reachable from here" }
            if e == .deadlineExceeded || e == .readTimeout || e == .writeTimeout {
                return "timed out (\(e))"
            }
            if e == .remoteConnectionClosed {
                // etcd (and most TLS servers) hang up on plain HTTP sent to their TLS port.
                if url?.lowercased().hasPrefix("http://") == true {
                    return "the server closed the connection without answering; a server that speaks TLS on this port does this to http:// requests: if so, use https:// (with ca_file, and cert_file/key_file when it asks for a client certificate)"
                }
                return "the server closed the connection"
            }
            return "\(e)"
        }
        let text = "\(error)"
        if text.localizedCaseInsensitiveContains("connection refused") { return "connection refused" }
        return text
    }
}
