import Hummingbird

/// PD's redirect middleware (`pkg/utils/apiutil/serverapi/middleware.go`), applied to every path
/// under `/pd`:
/// - the leader, or any member asked with `PD-Allow-follower-handle`, answers itself;
/// - a request already redirected once (`PD-Redirector` set) reaching a follower fails with 500
///   `redirect to not leader`;
/// - a follower forwards to the leader. While the old leader's lease lasts after it died the
///   proxy fails (500 `redirect failed`); once it expired and no leader is elected, 503 `no leader`.
///
/// The simulated leader shares the follower's process, so "forwarding" answers from the same
/// cluster model exactly as the leader would.
struct PDRedirectMiddleware<Context: RequestContext>: RouterMiddleware {
    static var redirectorHeader: HTTPHeaderName { HTTPHeaderName("PD-Redirector")! }
    static var allowFollowerHandleHeader: HTTPHeaderName { HTTPHeaderName("PD-Allow-follower-handle")! }

    let cluster: SimulatedCluster
    let memberIndex: Int

    enum Decision: Sendable {
        case local
        case forward
        case error(String, HTTPResponse.Status)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let allowFollower = request.headers[Self.allowFollowerHandleHeader].map { !$0.isEmpty } ?? false
        let alreadyRedirected = request.headers[Self.redirectorHeader].map { !$0.isEmpty } ?? false
        let decision: Decision = cluster.read { model, now in
            if model.pd.leaderIndex == memberIndex || allowFollower { return .local }
            if alreadyRedirected { return .error("redirect to not leader", .internalServerError) }
            switch model.pd.forwarding(at: now) {
            case .leader: return .forward
            case .deadLeader: return .error("redirect failed", .internalServerError)
            case .noLeader: return .error("no leader", .serviceUnavailable)
            }
        }
        switch decision {
        case .local:
            return try await next(request, context)
        case .forward:
            return try await next(request, context)
        case .error(let message, let status):
            return GoHTTPResponse.plainError(message, status: status)
        }
    }
}
