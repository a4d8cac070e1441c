import Hummingbird

/// One route the server answers, in OpenAPI's path spelling (`/api/v1/incidents/{id}`). The router is
/// built from this list and the OpenAPI document describes it, so a route cannot exist undocumented
/// (a test walks the router's own route list against the document).
public struct APIRoute: Sendable, Hashable {
    public var method: HTTPRequest.Method
    public var path: String
    /// Writes: they need the bearer token whatever the listen address.
    public var isWrite: Bool { method == .post }

    public init(_ method: HTTPRequest.Method, _ path: String) {
        self.method = method
        self.path = path
    }

    /// Hummingbird's spelling of the same path (`:id` for `{id}`).
    var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? ":" + segment.dropFirst().dropLast() : String(segment)
        }.joined(separator: "/")
    }

    /// Whether a request path has this route's shape (a `{parameter}` matches any one segment).
    func matches(path requestPath: String) -> Bool {
        let mine = path.split(separator: "/")
        let theirs = requestPath.split(separator: "/")
        guard mine.count == theirs.count else { return false }
        return zip(mine, theirs).allSatisfy { pattern, segment in pattern.hasPrefix("{") || pattern == segment }
    }
}
