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
    /// No single wait is longer than this, whatever `retry-after` says.
    public var maxDelay: Duration
    /// Budget for one request, response body included.
    public var timeout: Duration

    public init(maxAttempts: Int = 4, baseDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(60),
                timeout: Duration = .seconds(120)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.timeout = timeout
    }
}

/// A model endpoint failed for good. The text names the endpoint and the cause; it never holds the key.
public struct ModelCallError: Error, CustomStringConvertible {
    public var endpoint: String
    public var status: Int?
    public var message: String
    public var attempts: Int

    public var description: String {
        let code = status.map { "HTTP \($0)" } ?? "no response"
        return "\(endpoint): \(code) after \(attempts) attempt(s): \(message)"
    }
}

/// One JSON POST with retries on 429, 529, 5xx and transport errors, honouring `retry-after`.
struct ModelEndpointCall: Sendable {
    var url: String
    var headers: [(String, String)]
    var policy: RetryPolicy
    var logger: Logger

    struct Response {
        var status: Int
        var body: JSONValue
    }

    func post(_ body: JSONValue) async throws -> Response {
        let payload = try JSONEncoder.operatorEncoder.encode(body)
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
            do {
                let response = try await OperatorHTTPClient.fetch(request, deadline: policy.timeout, maxBodyBytes: Self.maxResponseBytes)
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
                guard Self.isRetryable(status) else {
                    throw ModelCallError(endpoint: url, status: status, message: lastError, attempts: attempt)
                }
                retryAfter = Self.retryAfter(response.headers)
            } catch let error as ModelCallError {
                throw error
            } catch let error as HTTPFetchError {
                if error.kind == .cancelled || Task.isCancelled { throw CancellationError() }
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
            let backoff = policy.baseDelay * (1 << min(attempt - 1, 16))
            let delay = min(retryAfter ?? backoff, policy.maxDelay)
            logger.warning(
                "model endpoint failed, retrying",
                metadata: ["endpoint": "\(url)", "status": "\(lastStatus.map(String.init) ?? "-")", "retry_in": "\(DurationText.format(delay))"])
            try await Task.sleep(for: delay)
        }
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
