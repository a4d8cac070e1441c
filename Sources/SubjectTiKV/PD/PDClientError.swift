/// A PD API call that failed, naming the endpoint (API path), the URL tried and, for bad bodies, the field.
public struct PDClientError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// Nothing answered: connection refused, timeout, DNS failure.
        case unreachable(String)
        /// PD's own error body: a quoted JSON string with an RFC code prefix,
        /// `"[PD:core:ErrStoreNotFound]store 7 not found"` (tikv-interfaces.md §1.0).
        case pdError(code: String?, message: String)
        /// A non-2xx status without a PD error body.
        case httpStatus(body: String)
        /// An HTML page (a proxy or load balancer error page).
        case html(body: String)
        case emptyBody
        /// Text that is not JSON at all.
        case notJSON(body: String)
        /// JSON, but a field is missing, of the wrong type or unreadable; `field` is its coding path.
        case malformed(field: String, reason: String)
        /// A body over the route's cap, refused as it arrived (the words say by how much).
        case tooLarge(String)
    }

    /// API path, e.g. `/pd/api/v1/stores`.
    public let endpoint: String
    /// The full URL of the (last) attempt.
    public let url: String
    public let httpStatus: Int?
    public let kind: Kind
    /// Earlier failed attempts on other PD endpoints, in order, as one-line descriptions.
    public var otherAttempts: [String] = []

    public init(endpoint: String, url: String, httpStatus: Int?, kind: Kind) {
        self.endpoint = endpoint
        self.url = url
        self.httpStatus = httpStatus
        self.kind = kind
    }

    /// Whether another PD member might answer: transport failures and 5xx do, 4xx and bad bodies do not.
    var worthTryingAnotherEndpoint: Bool {
        switch kind {
        case .unreachable: return true
        case .pdError, .httpStatus, .html: return (httpStatus ?? 0) >= 500
        case .emptyBody, .notJSON, .malformed, .tooLarge: return false
        }
    }

    var cause: String {
        let status = httpStatus.map { "HTTP \($0)" }
        switch kind {
        case .unreachable(let why): return why
        case .pdError(let code, let message):
            return [status, code.map { "[\($0)]" }].compactMap { $0 }.joined(separator: " ") + " " + message
        case .httpStatus(let body): return "\(status ?? "error"): \(body)"
        case .html(let body): return "\(status ?? "no status") with an HTML page instead of JSON (\(body))"
        case .emptyBody: return "\(status ?? "no status") with an empty body"
        case .notJSON(let body): return "\(status ?? "no status") with a body that is not JSON (\(body))"
        case .malformed(let field, let reason): return "field \(field): \(reason)"
        case .tooLarge(let why): return why
        }
    }

    public var description: String {
        var text = "PD \(endpoint) at \(url) failed: \(cause)"
        switch kind {
        case .unreachable: text += "; check the PD endpoints and that PD is running"
        case .html, .notJSON, .emptyBody: text += "; check the endpoint is a PD client URL (e.g. http://127.0.0.1:2379)"
        case .malformed: text += "; the PD version may be unsupported"
        case .tooLarge: text += "; check the endpoint is PD itself, not a proxy or another service"
        default: break
        }
        if !otherAttempts.isEmpty { text += " (also tried: " + otherAttempts.joined(separator: "; ") + ")" }
        return text
    }
}
