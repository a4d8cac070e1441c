import DiagnosisProviders
import Foundation
import OperatorCore
import OperatorTestSupport
import Testing

/// A model endpoint that stalls mid-answer costs one deadline per attempt, not forever.
@Suite("model endpoint request deadlines")
struct ModelRequestDeadlineTests {
    static let policy = RetryPolicy(maxAttempts: 1, baseDelay: .milliseconds(10), maxDelay: .milliseconds(10), timeout: .seconds(8))

    @Test func anAnthropicAnswerDrippedByteByByteFailsAtTheDeadline() async throws {
        let server = try await MisbehavingHTTPServer.start(.dripBody(body: messagesResponse(input: validAnswer)))
        defer { server.stop() }
        let diagnoser = AnthropicDiagnoser(configuration: .init(apiKey: "sk-ant-test", baseURL: server.baseURL, retry: Self.policy))
        let outcome = try await withHangGuard { () -> ModelCallError? in
            do {
                _ = try await diagnoser.diagnose(sampleContext())
                return nil
            } catch let error as ModelCallError { return error }
        }
        let error = try #require(outcome, "a stalled model endpoint gave an answer")
        #expect(error.endpoint.hasPrefix(server.baseURL))
        #expect(error.message.contains("body was still arriving at the 8s request deadline"), "\(error)")
        #expect(!"\(error)".contains("sk-ant-test"))
    }

    @Test func anOpenAICompatibleEndpointThatNeverAnswersFailsAtTheDeadline() async throws {
        let server = try await MisbehavingHTTPServer.start(.neverAnswer)
        defer { server.stop() }
        let diagnoser = OpenAICompatibleDiagnoser(configuration: .init(baseURL: server.baseURL, model: "qwen2.5:7b", retry: Self.policy))
        let outcome = try await withHangGuard { () -> ModelCallError? in
            do {
                _ = try await diagnoser.diagnose(sampleContext())
                return nil
            } catch let error as ModelCallError { return error }
        }
        let error = try #require(outcome)
        #expect(error.message.contains("no response headers within the 8s request deadline"), "\(error)")
    }
}
