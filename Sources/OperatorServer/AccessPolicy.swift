import Foundation
import HTTPTypes
import Hummingbird

/// Who may call what. Reads are open on loopback; writes always need the token; listening beyond
/// loopback needs the token on every route but the probes (the CLI refuses to start beyond loopback
/// without one).
///
/// The probes, `GET /healthz` and `GET /readyz`, stay open everywhere: Kubernetes' kubelet (and any load
/// balancer's health check) cannot present a bearer token without writing it into the manifest, and a
/// probe that answers 401 would keep every replica out of its Service. They say only alive or ready and
/// the configured cluster names; nothing from the database.
public struct AccessPolicy: Sendable {
    /// Paths answered without the token on any address (GET only).
    public static let probePaths: Set<String> = ["/healthz", "/readyz"]

    /// The bearer token, if one is configured. Held here only; never logged, stored or echoed.
    let token: APIToken?
    public let tokenRequiredForReads: Bool

    public init(token: APIToken?, tokenRequiredForReads: Bool) {
        self.token = token
        self.tokenRequiredForReads = tokenRequiredForReads
    }

    /// Loopback only: reads open, writes need `token` (or answer 403 when none is configured).
    public static func loopback(token: APIToken?) -> AccessPolicy {
        AccessPolicy(token: token, tokenRequiredForReads: false)
    }

    /// What a request on `route` presenting `authorization` gets: `nil` to proceed, else the error.
    ///
    /// Beyond loopback a read may also present the token as HTTP Basic credentials (any user name, the
    /// token as password): a browser opening the console sends no bearer header on its first page load,
    /// but answers a Basic challenge with the browser's own prompt and repeats it for the pages and the
    /// refresh that follow. Writes take the bearer header only: credentials a browser attaches by itself
    /// must not be enough to change anything.
    func refusal(isWrite: Bool, authorization: String?, path: String? = nil) -> APIError? {
        if !isWrite, let path, Self.probePaths.contains(path) { return nil }
        guard isWrite || tokenRequiredForReads else { return nil }
        guard let token else {
            return APIError(
                .forbidden, "writes are disabled",
                "no API token is configured; set OPERATOR_API_TOKEN or `api_token_file:` in operator.yaml, restart `operator serve` and send `Authorization: Bearer <token>`")
        }
        var challenge: HTTPFields = [.wwwAuthenticate: "Bearer"]
        if !isWrite { challenge.append(HTTPField(name: .wwwAuthenticate, value: "Basic realm=\"operator\", charset=\"UTF-8\"")) }
        guard let authorization else {
            return APIError(
                .unauthorized, "token required",
                isWrite
                    ? "send `Authorization: Bearer <token>` with the token `operator serve` was started with"
                    : "send `Authorization: Bearer <token>` with the token `operator serve` was started with (a browser: any user name, the token as password)",
                headers: challenge)
        }
        if authorization.hasPrefix("Bearer "), token.matches(authorization.dropFirst("Bearer ".count)) { return nil }
        if !isWrite, authorization.hasPrefix("Basic "), let password = Self.basicPassword(authorization.dropFirst("Basic ".count)),
            token.matches(password[...])
        {
            return nil
        }
        return APIError(.unauthorized, "wrong token", "the token does not match the one `operator serve` was started with", headers: challenge)
    }

    /// The password part of Basic credentials (`base64(user:password)`), or `nil` when they are not that.
    static func basicPassword(_ encoded: Substring) -> String? {
        guard let data = Data(base64Encoded: String(encoded).trimmingCharacters(in: .whitespaces)),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return String(text[text.index(after: colon)...])
    }
}

/// A secret bearer token. Its description never shows it.
public struct APIToken: Sendable, CustomStringConvertible {
    private let bytes: [UInt8]

    /// `nil` for an empty (or whitespace-only) token: that is no token.
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        bytes = Array(trimmed.utf8)
    }

    public var description: String { "<api token, \(bytes.isEmpty ? "empty" : "set")>" }

    /// Constant-time: every byte of the longer of the two is looked at whatever matches, so the time
    /// taken says nothing about how much of a guess was right (or how long the token is).
    func matches(_ candidate: Substring) -> Bool {
        let given = Array(candidate.utf8)
        var difference = UInt8(truncatingIfNeeded: given.count ^ bytes.count)
        let length = max(given.count, bytes.count)
        for i in 0..<length {
            let a = i < given.count ? given[i] : 0
            let b = i < bytes.count ? bytes[i] : 0
            difference |= a ^ b
        }
        return difference == 0 && given.count == bytes.count
    }
}


/// Applies `AccessPolicy` before any route runs.
struct AccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let policy: AccessPolicy

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let refusal = policy.refusal(
            isWrite: request.method == .post, authorization: request.headers[.authorization], path: request.uri.path)
        {
            throw refusal
        }
        return try await next(request, context)
    }
}
