import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import OperatorCore
import OperatorHTTP

/// How hard to try one model endpoint.
public struct RetryPolicy: Sendable {
    /// Attempts in all, first one included.
    public var maxAttempts: Int
    /// Delay before the first retry when the server gives no `retry-after`; doubles per retry.
    public var baseDelay: Duration
    /// No backoff is longer than this; a `retry-after` longer than this ends the call (it is never cut short).
    public var maxDelay: Duration
    /// Budget for one request: connect, first byte and body together.
    public var timeout: Duration
    /// Budget for a whole diagnosis (every attempt, wait and repair round); nil: only the per-request one.
    /// No request outlives it: each gets what is left when it starts.
    public var deadline: Duration?

    public init(maxAttempts: Int = 4, baseDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(60),
                timeout: Duration = .seconds(120), deadline: Duration? = nil) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.timeout = timeout
        self.deadline = deadline
    }
}

/// A model endpoint failed for good. The text names the endpoint and the cause; it never holds the key.
public struct ModelCallError: Error, CustomStringConvertible {
    public var endpoint: String
    public var status: Int?
    public var message: String
    public var attempts: Int
    /// The request or the diagnosis ran out of time (not retried: a silent server would cost it again).
    public var timedOut: Bool

    public init(endpoint: String, status: Int?, message: String, attempts: Int, timedOut: Bool = false) {
        self.endpoint = endpoint
        self.status = status
        self.message = message
        self.attempts = attempts
        self.timedOut = timedOut
    }

    public var description: String {
        let code = status.map { "HTTP \($0)" } ?? (timedOut ? "timed out" : "no response")
        return "\(endpoint): \(code) after \(attempts) attempt(s): \(message)"
    }
}

/// One JSON POST with retries on 429, 529, 5xx and refused connections, honouring `retry-after`.
///
/// A request that runs out of time is not retried: a server that is silent (stopped with its socket still
/// open, or generating far too slowly) would cost the whole budget again. With a diagnosis deadline, no
/// request or wait outlives it.
struct ModelEndpointCall: Sendable {
    var url: String
    var headers: [(String, String)]
    var policy: RetryPolicy
    var logger: Logger
    /// When the whole diagnosis must be over (from `policy.deadline`, fixed when the call is made).
    var deadline: ContinuousClock.Instant?

    init(url: String, headers: [(String, String)], policy: RetryPolicy, logger: Logger) {
        self.url = url
        self.headers = headers
        self.policy = policy
        self.logger = logger
        self.deadline = policy.deadline.map { ContinuousClock.now + $0 }
    }

    struct Response {
        var status: Int
        var body: JSONValue
    }

    /// `final`: an error answer that another attempt would not change (a server refusing the request's
    /// shape, whatever its status code), handed back at once for the caller to change the request.
    func post(_ body: OrderedJSON, final: @Sendable (_ status: Int, _ message: String) -> Bool = { _, _ in false }) async throws -> Response {
        let payload = Data(body.text.utf8)
        var attempt = 0
        var lastError = ""
        var lastStatus: Int?
        while true {
            attempt += 1
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/json")
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            request.body = .bytes(ByteBuffer(bytes: payload))
            var retryAfter: Duration?
            let budget = try requestBudget(attempt: attempt, lastStatus: lastStatus, lastError: lastError)
            do {
                let response = try await OperatorHTTPClient.fetch(request, deadline: budget, maxBodyBytes: Self.maxResponseBytes)
                let status = response.status
                lastStatus = status
                let text = String(buffer: response.body)
                if (200..<300).contains(status) {
                    guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else {
                        throw ModelCallError(endpoint: url, status: status, message: "response is not JSON: \(Self.clip(text))", attempts: attempt)
                    }
                    return Response(status: status, body: json)
                }
                lastError = Self.errorMessage(text)
                guard Self.isRetryable(status), !final(status, lastError) else {
                    throw ModelCallError(endpoint: url, status: status, message: lastError, attempts: attempt)
                }
                retryAfter = Self.retryAfter(response.headers)
            } catch let error as ModelCallError {
                throw error
            } catch let error as HTTPFetchError {
                if error.kind == .cancelled || Task.isCancelled { throw CancellationError() }
                if error.isDeadlineExceeded {
                    logger.warning("model endpoint timed out", metadata: ["endpoint": "\(url)", "status": "timeout", "budget": "\(DurationText.format(budget))"])
                    throw ModelCallError(endpoint: url, status: nil, message: error.reason, attempts: attempt, timedOut: true)
                }
                lastStatus = nil
                lastError = error.reason
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                lastStatus = nil
                lastError = "\(error)"
            }
            guard attempt < policy.maxAttempts else {
                throw ModelCallError(endpoint: url, status: lastStatus, message: lastError, attempts: attempt)
            }
            // The server's retry-after is a floor, never cut short: coming back early only earns another 429.
            if let retryAfter, retryAfter > policy.maxDelay {
                throw ModelCallError(
                    endpoint: url, status: lastStatus,
                    message: "\(lastError); the server asks for retry-after \(DurationText.format(retryAfter)), longer than the "
                        + "\(DurationText.format(policy.maxDelay)) longest wait",
                    attempts: attempt)
            }
            let backoff = policy.baseDelay * (1 << min(attempt - 1, 16))
            let delay = retryAfter ?? min(backoff, policy.maxDelay)
            if let deadline, ContinuousClock.now + delay >= deadline {
                let wait = retryAfter.map { "retry-after \(DurationText.format($0))" } ?? "the next attempt in \(DurationText.format(delay))"
                throw ModelCallError(
                    endpoint: url, status: lastStatus,
                    message: "\(lastError); \(wait) is past the \(DurationText.format(policy.deadline ?? .zero)) diagnosis deadline",
                    attempts: attempt, timedOut: true)
            }
            logger.warning(
                "model endpoint failed, retrying",
                metadata: ["endpoint": "\(url)", "status": "\(lastStatus.map(String.init) ?? "no response")", "retry_in": "\(DurationText.format(delay))"])
            try await Task.sleep(for: delay)
        }
    }

    /// The request's own budget, cut to what is left of the diagnosis deadline; none left is an error.
    private func requestBudget(attempt: Int, lastStatus: Int?, lastError: String) throws -> Duration {
        guard let deadline else { return policy.timeout }
        let left = deadline - ContinuousClock.now
        guard left > .milliseconds(1) else {
            let why = lastError.isEmpty ? "" : " (last: \(lastError))"
            throw ModelCallError(
                endpoint: url, status: lastStatus,
                message: "the \(DurationText.format(policy.deadline ?? .zero)) diagnosis deadline passed before request \(attempt)\(why)",
                attempts: attempt - 1, timedOut: true)
        }
        return min(policy.timeout, left)
    }

    /// A diagnosis answer is a few KB of JSON; 8 MiB leaves room for verbose models and refuses anything else.
    static let maxResponseBytes = 8 << 20

    /// 429 rate limited, 529 overloaded (Anthropic), and server errors are worth another try.
    static func isRetryable(_ status: Int) -> Bool { status == 408 || status == 429 || status == 529 || (500..<600).contains(status) }

    /// `retry-after` in seconds or as an HTTP date.
    static func retryAfter(_ headers: HTTPHeaders) -> Duration? {
        guard let value = headers.first(name: "retry-after")?.trimmingCharacters(in: .whitespaces) else { return nil }
        // A server may send anything here: an enormous or non-finite value is no usable hint.
        if let seconds = Double(value), seconds >= 0 { return Duration.checkedSeconds(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        if let date = formatter.date(from: value) {
            return Duration.checkedSeconds(max(0, date.timeIntervalSinceNow))
        }
        return nil
    }

    /// The error message of an Anthropic (`{"error":{"type","message"}}`) or OpenAI-style body, else the text.
    static func errorMessage(_ text: String) -> String {
        if let json = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) {
            if let error = json["error"] {
                let type = error["type"]?.stringValue ?? error["code"]?.stringValue
                let message = error["message"]?.stringValue ?? error.stringValue ?? error.jsonText
                return type.map { "\($0): \(message)" } ?? message
            }
            if let message = json["message"]?.stringValue { return message }
        }
        return text.isEmpty ? "empty body" : clip(text)
    }

    static func clip(_ s: String) -> String {
        let one = s.replacingOccurrences(of: "\n", with: " ")
        return one.count > 200 ? String(one.prefix(200)) + "…" : one
    }
}
