import DiagnosisProviders
import Foundation
import OperatorCore
import OperatorTestSupport
import Testing

/// The Anthropic client against a server under load: it waits out `retry-after` (coming back early only
/// earns another 429), retries 529 within `retries`, and never waits past its diagnosis deadline.
@Suite("Anthropic rate limits and overload")
struct AnthropicRateLimitTests {
    func diagnoser(_ server: RateLimitedMessagesServer, retries: Int, deadline: Duration? = nil, maxDelay: Duration = .seconds(10))
        -> AnthropicDiagnoser
    {
        AnthropicDiagnoser(configuration: .init(
            apiKey: "sk-ant-test", baseURL: server.baseURL,
            retry: RetryPolicy(maxAttempts: retries + 1, baseDelay: .milliseconds(10), maxDelay: maxDelay, timeout: .seconds(10),
                               deadline: deadline)))
    }

    @Test func aRateLimitIsWaitedOutForItsRetryAfter() async throws {
        let server = try await RateLimitedMessagesServer.start(answering: validAnswer, window: .seconds(1))
        defer { server.stop() }
        // A client that retried on its own 10 ms backoff would meet the closed window three more times.
        let d = try await withHangGuard { try await diagnoser(server, retries: 3).diagnose(sampleContext()) }
        #expect(d.rootCause.category == "node-down")
        let arrivals = server.arrivals
        #expect(arrivals.count == 2, "one 429, then one request after the window")
        if arrivals.count == 2 { #expect(arrivals[1] - arrivals[0] >= .seconds(1), "came back before retry-after") }
    }

    @Test func aRetryAfterBeyondTheDiagnosisDeadlineFailsAtOnce() async throws {
        let server = try await RateLimitedMessagesServer.start(answering: validAnswer, window: .seconds(30))
        defer { server.stop() }
        let outcome = try await withHangGuard(limit: .seconds(25)) { () -> ModelCallError? in
            do {
                _ = try await diagnoser(server, retries: 3, deadline: .seconds(5), maxDelay: .seconds(60)).diagnose(sampleContext())
                return nil
            } catch let error as ModelCallError { return error }
        }
        let error = try #require(outcome, "a diagnosis came back through a 30s rate-limit window")
        #expect(error.status == 429)
        #expect(error.message.contains("rate_limit_error"), "\(error)")
        #expect(error.message.contains("retry-after 30s") && error.message.contains("5s diagnosis deadline"), "\(error)")
        #expect(server.requests == 1, "no early retry into the closed window")
    }

    @Test func aRetryAfterLongerThanTheLongestWaitIsNotCutShort() async throws {
        let server = try await RateLimitedMessagesServer.start(answering: validAnswer, window: .seconds(30))
        defer { server.stop() }
        let outcome = try await withHangGuard(limit: .seconds(25)) { () -> ModelCallError? in
            do {
                _ = try await diagnoser(server, retries: 3, maxDelay: .seconds(2)).diagnose(sampleContext())
                return nil
            } catch let error as ModelCallError { return error }
        }
        let error = try #require(outcome)
        #expect(error.status == 429 && error.message.contains("retry-after 30s"), "\(error)")
        #expect(server.requests == 1, "retrying after the 2s longest wait would only meet the closed window again")
    }

    @Test func noRetriesMakesARateLimitFinal() async throws {
        let server = try await RateLimitedMessagesServer.start(answering: validAnswer, window: .seconds(1))
        defer { server.stop() }
        await #expect {
            _ = try await diagnoser(server, retries: 0).diagnose(sampleContext())
        } throws: { error in
            let e = error as? ModelCallError
            return e?.status == 429 && e?.attempts == 1 && e?.message.contains("rate_limit_error") == true
        }
        #expect(server.requests == 1)
    }

    @Test func overloadIsRetriedUpToRetries() async throws {
        let server = try await RateLimitedMessagesServer.start(answering: validAnswer, window: nil, overloaded: 2)
        defer { server.stop() }
        let d = try await withHangGuard { try await diagnoser(server, retries: 2).diagnose(sampleContext()) }
        #expect(d.rootCause.entity == "store:2")
        #expect(server.requests == 3)
    }

    @Test func overloadOutlastingRetriesIsAClearError() async throws {
        let server = try await RateLimitedMessagesServer.start(answering: validAnswer, window: nil, overloaded: 5)
        defer { server.stop() }
        await #expect {
            _ = try await diagnoser(server, retries: 1).diagnose(sampleContext())
        } throws: { error in
            let e = error as? ModelCallError
            return e?.status == 529 && e?.attempts == 2 && "\(error)".contains("HTTP 529") && "\(error)".contains("overloaded_error")
        }
        #expect(server.requests == 2)
    }

    @Test func aRateLimitAfterServedRequestsIsWaitedOutToo() async throws {
        let server = try await RateLimitedMessagesServer.start(answering: validAnswer, limitAfter: 1, window: .seconds(1))
        defer { server.stop() }
        let first = try await diagnoser(server, retries: 2).diagnose(sampleContext())
        let second = try await withHangGuard { try await diagnoser(server, retries: 2).diagnose(sampleContext()) }
        #expect(first.rootCause == second.rootCause)
        let arrivals = server.arrivals
        #expect(arrivals.count == 3)
        if arrivals.count == 3 { #expect(arrivals[2] - arrivals[1] >= .seconds(1)) }
    }
}
