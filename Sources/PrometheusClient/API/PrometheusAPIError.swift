/// A Prometheus HTTP API call that failed, naming the server, the API path and the query.
public struct PrometheusAPIError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// `{"status":"error","errorType":"bad_data","error":"..."}`, usually with HTTP 400, 422 or 503.
        case api(errorType: String, message: String)
        /// Nothing answered: connection refused, timeout, DNS failure.
        case unreachable(String)
        /// A non-2xx status without a Prometheus error body (a proxy in the way, a wrong path).
        case httpStatus(body: String)
        /// The body is not JSON: an HTML page or other text.
        case notJSON(body: String)
        case emptyBody
        /// JSON, but not the shape the API documents.
        case malformed(field: String, reason: String)
        /// The query returned a different result type than the caller asked for.
        case unexpectedResultType(expected: String, got: String)
    }

    /// Base URL of the Prometheus server.
    public let server: String
    /// API path (`/api/v1/query`).
    public let endpoint: String
    public let query: String?
    public let httpStatus: Int?
    public let kind: Kind

    public init(server: String, endpoint: String, query: String?, httpStatus: Int?, kind: Kind) {
        self.server = server
        self.endpoint = endpoint
        self.query = query
        self.httpStatus = httpStatus
        self.kind = kind
    }

    public var description: String {
        let what = query.map { "query `\($0)` at \(server)\(endpoint)" } ?? "\(server)\(endpoint)"
        let status = httpStatus.map { "HTTP \($0)" }
        // A server behind basic auth or a bearer token (web.config.file, a proxy) says no the same way
        // whatever the body: name the credentials to check, never their values.
        if let code = httpStatus, code == 401 || code == 403 {
            let why = code == 401 ? "did not accept the credentials (or got none)" : "refused access with these credentials"
            return "Prometheus at \(server) \(why) for \(what) (HTTP \(code)); check prometheus.basic_auth (username, password_file) or prometheus.bearer_token_file for this server"
        }
        switch kind {
        case .api(let type, let message):
            let hint = type == "bad_data" ? "; fix the PromQL or the parameters" : ""
            return "Prometheus rejected \(what) (\([status, type].compactMap { $0 }.joined(separator: " "))): \(message)\(hint)"
        case .unreachable(let cause):
            return "cannot reach Prometheus for \(what): \(cause); check the Prometheus URL and that the server is running"
        case .httpStatus(let body):
            return "\(what) answered \(status ?? "an error") without a Prometheus error body: \(body); check the URL points at Prometheus"
        case .notJSON(let body):
            return "\(what) did not answer JSON (\(status ?? "no status")): \(body); check the URL points at Prometheus, not a proxy or web page"
        case .emptyBody:
            return "\(what) answered an empty body (\(status ?? "no status")); check the URL points at Prometheus"
        case .malformed(let field, let reason):
            return "\(what) answered JSON that is not a Prometheus API response: field \(field): \(reason)"
        case .unexpectedResultType(let expected, let got):
            return "\(what) returned a \(got) result, expected a \(expected)"
        }
    }
}
