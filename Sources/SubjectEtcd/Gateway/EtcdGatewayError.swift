/// A gateway request that did not give a usable answer, naming the URL, what went wrong and what to check.
public struct EtcdGatewayError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Connection refused or reset: nothing listens there (the process is gone).
        case unreachable(String)
        /// Connected (or still connecting) but no answer within the budget: the process is frozen or hung.
        case noAnswer(String)
        /// An HTTP error status, with etcd's error message when the body had one.
        case httpStatus(Int, String)
        /// A 2xx answer whose body is not the shape etcd 3.4 sends.
        case malformed(field: String, problem: String, preview: String)
        /// etcd authentication failed: the user, where its password came from, and etcd's reason.
        case unauthorized(String)
    }

    public let url: String
    public let kind: Kind

    public init(url: String, kind: Kind) {
        self.url = url
        self.kind = kind
    }

    /// True when the member did not answer at all (as opposed to answering badly).
    public var isUnreachable: Bool {
        switch kind {
        case .unreachable, .noAnswer: return true
        default: return false
        }
    }

    /// True when the request ran out of its budget without an answer (as opposed to being refused).
    public var isNoAnswer: Bool {
        if case .noAnswer = kind { return true }
        return false
    }

    public var description: String {
        switch kind {
        case .unreachable(let cause):
            // A TLS failure already says what to check; "is etcd running" would send the reader elsewhere.
            if cause.hasPrefix("TLS") || cause.contains("speaks TLS") { return "\(url): \(cause)" }
            return "\(url): \(cause); check that etcd is running and listens on that client URL"
        case .noAnswer(let cause):
            return "\(url): \(cause); the process may be frozen (SIGSTOP, a hung disk) or overloaded"
        case .httpStatus(let code, let message):
            return "\(url) answered HTTP \(code)\(message.isEmpty ? "" : ": \(message)")"
        case .malformed(let field, let problem, let preview):
            return "\(url) answered with an unexpected body (field \(field): \(problem)); is this an etcd 3.4+ client URL? body starts: \(preview)"
        case .unauthorized(let words):
            return "\(url): \(words)"
        }
    }
}

/// No endpoint gave a member list: the cluster cannot be observed at all.
public struct EtcdUnobservableError: Error, CustomStringConvertible, Sendable {
    public let attempts: [EtcdGatewayError]

    public var description: String {
        let tried = attempts.map(\.description).joined(separator: "; ")
        return "no etcd endpoint answered the member list (\(tried)); pass reachable client URLs with --endpoints or ETCDCTL_ENDPOINTS"
    }
}
