import Foundation
import Hummingbird

/// Who may call what. Reads are open on loopback; writes always need the token; listening beyond
/// loopback needs the token on every route (the CLI refuses to start beyond loopback without one).
public struct AccessPolicy: Sendable {
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
    func refusal(isWrite: Bool, authorization: String?) -> APIError? {
        guard isWrite || tokenRequiredForReads else { return nil }
        guard let token else {
            return APIError(
                .forbidden, "writes are disabled",
                "no API token is configured; set OPERATOR_API_TOKEN or `api_token_file:` in operator.yaml, restart `operator serve` and send `Authorization: Bearer <token>`")
        }
        let challenge: HTTPFields = [.wwwAuthenticate: "Bearer"]
        guard let authorization, authorization.hasPrefix("Bearer ") else {
            return APIError(
                .unauthorized, "token required", "send `Authorization: Bearer <token>` with the token `operator serve` was started with",
                headers: challenge)
        }
        guard token.matches(authorization.dropFirst("Bearer ".count)) else {
            return APIError(.unauthorized, "wrong token", "the bearer token does not match the one `operator serve` was started with", headers: challenge)
        }
        return nil
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
        if let refusal = policy.refusal(isWrite: request.method == .post, authorization: request.headers[.authorization]) {
            throw refusal
        }
        return try await next(request, context)
    }
}
