import Foundation
import Hummingbird
import OperatorCore
import OperatorTestSupport
import Synchronization

/// An Anthropic Messages API server under load, answering the way the API does: while its rate-limit
/// window is closed every request gets HTTP 429 `rate_limit_error` with `retry-after` (whole seconds left
/// in the window, rounded up), so a client that comes back early is refused again; the first `overloaded`
/// requests get HTTP 529 `overloaded_error` without `retry-after`. Otherwise the forced tool call answers
/// `intended`. Every request's arrival is kept, measured by the server.
final class RateLimitedMessagesServer: Sendable {
    struct State {
        /// Requests before the window closes; the request after them closes it.
        var admittedBeforeLimit: Int
        var windowEnd: ContinuousClock.Instant?
        var overloadedLeft: Int
        var arrivals: [ContinuousClock.Instant] = []
    }

    enum Verdict: Sendable { case limited(Duration), overloaded, served }

    /// The state the router and the test share.
    final class StateBox: Sendable {
        let mutex: Mutex<State>
        init(_ state: State) { mutex = Mutex(state) }
        func withLock<T: Sendable>(_ body: (inout State) -> T) -> T { mutex.withLock { body(&$0) } }
    }

    let server: LoopbackServer
    private let state: StateBox

    var baseURL: String { server.baseURL }
    var arrivals: [ContinuousClock.Instant] { state.withLock { $0.arrivals } }
    var requests: Int { arrivals.count }

    /// `limitAfter`: requests served before the window closes for `window`; `overloaded`: the first
    /// requests (after that) answered 529.
    static func start(answering intended: JSONValue, limitAfter: Int = 0, window: Duration?, overloaded: Int = 0) async throws
        -> RateLimitedMessagesServer
    {
        let state = StateBox(State(admittedBeforeLimit: window == nil ? .max : limitAfter, overloadedLeft: overloaded))
        let server = try await LoopbackServer.start { router in
            router.post("/v1/messages") { request, _ -> CannedResponse in
                _ = try await request.body.collect(upTo: 4 << 20)
                let now = ContinuousClock.now
                let verdict = state.withLock { s -> Verdict in
                    s.arrivals.append(now)
                    if let end = s.windowEnd, now < end { return .limited(end - now) }
                    if s.admittedBeforeLimit == 0, let window {
                        s.admittedBeforeLimit = .max
                        s.windowEnd = now + window
                        return .limited(window)
                    }
                    if s.admittedBeforeLimit != .max { s.admittedBeforeLimit -= 1 }
                    if s.overloadedLeft > 0 {
                        s.overloadedLeft -= 1
                        return .overloaded
                    }
                    return .served
                }
                switch verdict {
                case .limited(let left):
                    let seconds = Int((Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18).rounded(.up))
                    return CannedResponse(
                        status: .tooManyRequests,
                        headers: ["retry-after": "\(max(1, seconds))", "anthropic-ratelimit-requests-remaining": "0"],
                        body: anthropicError("rate_limit_error", "Number of requests has exceeded your per-minute rate limit"))
                case .overloaded:
                    return CannedResponse(status: .init(code: 529), body: anthropicError("overloaded_error", "Overloaded"))
                case .served:
                    return CannedResponse(body: messagesResponse(input: intended))
                }
            }
        }
        return RateLimitedMessagesServer(server: server, state: state)
    }

    private init(server: LoopbackServer, state: StateBox) {
        self.server = server
        self.state = state
    }

    func stop() { server.stop() }
}
