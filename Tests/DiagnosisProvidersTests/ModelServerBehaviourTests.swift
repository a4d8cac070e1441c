import DiagnosisProviders
import Foundation
import Logging
import OperatorCore
import OperatorTestSupport
import Testing

/// The diagnosers against doubles that behave like real model servers: grammar-enforced property order,
/// replies cut at `max_tokens`, refused strict schemas, silent sockets.
@Suite("model servers: grammar, truncation, repair, strict fallback, deadlines")
struct ModelServerBehaviourTests {
    static let fast = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10), maxDelay: .milliseconds(50), timeout: .seconds(10))

    func openai(_ server: GrammarChatServer, maxTokens: Int = 2048) -> OpenAICompatibleDiagnoser {
        OpenAICompatibleDiagnoser(configuration: .init(baseURL: server.baseURL, model: "gemma3-270m", maxTokens: maxTokens, retry: Self.fast))
    }

    @Test func aRepetitiveModelUnderTheGrammarWritesAValidDiagnosisInSchemaOrder() async throws {
        let server = try await GrammarChatServer.start(answering: [validAnswer])
        defer { server.stop() }
        let d = try await openai(server).diagnose(sampleContext())
        #expect(d.rootCause.entity == "store:2" && d.rootCause.category == "node-down")
        // The model repeated every array up to its maxItems and no further.
        #expect(d.evidence.count == DiagnosisSchema.Bounds.evidenceItems)
        #expect(d.alternatives.count == DiagnosisSchema.Bounds.alternatives)
        #expect(d.claims.count == DiagnosisSchema.Bounds.claims)
        #expect((d.outputTokens ?? .max) < 1200, "a bounded answer fits well under the issue's 1,200 output tokens: \(d.outputTokens ?? -1)")
        #expect(server.log.all.count == 1)
    }

    @Test func aReplyCutAtMaxTokensSaysSoAndIsNeverSentBack() async throws {
        let server = try await GrammarChatServer.start(answering: [validAnswer])
        defer { server.stop() }
        let error = await #expect(throws: ModelReplyTruncated.self) {
            _ = try await openai(server, maxTokens: 120).diagnose(sampleContext())
        }
        #expect(error?.description.contains("raise diagnosis.max_tokens") == true)
        #expect(error?.description.contains("finish_reason \"length\"") == true)
        #expect(error?.outputTokens == 120)
        // The cut reply was generated and paid for: its tokens travel with the error for the eval's cost.
        #expect(error?.spentOutputTokens == 120 && (error?.spentInputTokens ?? 0) > 0)
        #expect(server.log.all.count == 1, "a cut reply is not re-sent in a repair round")
    }

    @Test func anthropicStopReasonMaxTokensIsTheSameClearError() async throws {
        let server = try await MessagesServer.start(answering: validAnswer)
        defer { server.stop() }
        let d = AnthropicDiagnoser(configuration: .init(apiKey: "sk-ant-test", baseURL: server.baseURL, maxTokens: 64, retry: Self.fast))
        let error = await #expect(throws: ModelReplyTruncated.self) { _ = try await d.diagnose(sampleContext()) }
        #expect(error?.description.contains("stop_reason \"max_tokens\"") == true)
        #expect(error?.spentOutputTokens == 64 && (error?.spentInputTokens ?? 0) > 0)
        #expect(server.log.all.count == 1)
    }

    @Test func aRepairRoundSendsTheProblemsNotTheRejectedReply() async throws {
        // A server without a grammar: the first answer names an entity the incident does not have.
        let wrong = answer(["root_cause": ["category": "node-down", "entity": "store-down", "explanation": "the store is down"]])
        let log = RequestLog()
        let server = try await startDouble(
            path: "/v1/chat/completions",
            script: ResponseScript([.init(body: chatCompletion(content: wrong.jsonText)), .init(body: chatCompletion(content: validAnswer.jsonText))]),
            log: log)
        defer { server.stop() }
        let d = try await OpenAICompatibleDiagnoser(configuration: .init(baseURL: server.baseURL + "/v1", model: "m", retry: Self.fast))
            .diagnose(sampleContext())
        #expect(d.rootCause.entity == "store:2")
        #expect(log.all.count == 2)
        let second = try json(try #require(log.all.last).body)
        let sent = try #require(second["messages"]?.arrayValue)
        #expect(!sent.contains { $0["role"] == "assistant" }, "the rejected reply is not sent back")
        #expect(!(second.jsonText.contains("the store is down")))
        let repair = try #require(sent.last?["content"]?.stringValue)
        #expect(repair.hasPrefix("Your previous answer was rejected: root_cause.entity \"store-down\" is not an entity of this incident"))
        #expect(d.inputTokens == 3600 && d.outputTokens == 840, "both rounds are counted")
    }

    @Test func aServerThatRefusesTheStrictSchemaIsAskedAgainWithoutStrict() async throws {
        let server = try await GrammarChatServer.start(answering: [validAnswer], dialect: .refusesStrict)
        defer { server.stop() }
        let d = try await openai(server).diagnose(sampleContext())
        #expect(d.rootCause.entity == "store:2")
        let sent = try server.log.all.map { try OrderedJSONParser.parse($0.body)["response_format"]?["json_schema"]?["strict"]?.unordered }
        #expect(sent == [.bool(true), .bool(false)])
    }

    @Test func aServerThatKnowsOnlyJSONObjectGetsTheSchemaThatWayWithoutRetryingItsError() async throws {
        let server = try await GrammarChatServer.start(answering: [validAnswer], dialect: .jsonObjectOnly)
        defer { server.stop() }
        let d = try await openai(server).diagnose(sampleContext())
        #expect(d.rootCause.entity == "store:2")
        let formats = try server.log.all.map { try OrderedJSONParser.parse($0.body)["response_format"] }
        #expect(formats.map { $0?["type"]?.unordered.stringValue } == ["json_schema", "json_schema", "json_object"],
                "each refusal (HTTP 500) moves to the next format at once instead of being retried")
        #expect(formats.last??["schema"]?["properties"]?.keys == DiagnosisSchema.propertyOrder)
    }

    /// A model server stopped with SIGTERM while a request is open keeps the socket open and never answers:
    /// that costs one request budget, not one per retry.
    @Test func aSilentServerCostsOneRequestBudgetAndSaysItTimedOut() async throws {
        let server = try await MisbehavingHTTPServer.start(.acceptOnly)
        defer { server.stop() }
        let logs = CapturedLogs()
        let d = OpenAICompatibleDiagnoser(
            configuration: .init(
                baseURL: server.baseURL + "/v1", model: "m",
                retry: RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(10), timeout: .seconds(2))),
            logger: logs.logger())
        let error = try await withHangGuard { () -> ModelCallError? in
            do {
                _ = try await d.diagnose(sampleContext())
                return nil
            } catch let e as ModelCallError { return e }
        }
        let e = try #require(error)
        #expect(e.timedOut && e.attempts == 1, "\(e)")
        #expect(e.description.contains("timed out after 1 attempt(s)"), "\(e)")
        #expect(logs.all.map { $0.metadata["status"] } == ["timeout"], "the log says the request timed out: \(logs.all.map(\.metadata))")
    }

    @Test func retriesStopAtTheDiagnosisDeadline() async throws {
        let log = RequestLog()
        let server = try await startDouble(
            path: "/v1/chat/completions",
            script: ResponseScript([.init(status: .serviceUnavailable, body: #"{"error":{"message":"loading model","type":"unavailable_error"}}"#)]),
            log: log)
        defer { server.stop() }
        let logs = CapturedLogs()
        let d = OpenAICompatibleDiagnoser(
            configuration: .init(
                baseURL: server.baseURL + "/v1", model: "m",
                retry: RetryPolicy(maxAttempts: 50, baseDelay: .milliseconds(400), maxDelay: .milliseconds(400), timeout: .seconds(10),
                                   deadline: .seconds(2))),
            logger: logs.logger())
        let error = await #expect(throws: ModelCallError.self) { _ = try await d.diagnose(sampleContext()) }
        #expect(error?.message.contains("2s diagnosis deadline") == true, "\(String(describing: error))")
        #expect(error?.message.contains("loading model") == true)
        #expect(log.all.count < 50)
        #expect(logs.all.allSatisfy { $0.metadata["status"] == "503" }, "each retry logs the server's status")
        #expect(!logs.all.contains { $0.metadata.values.contains { $0.contains("loading model") } }, "the server's words (which may echo a secret) stay out of the log")
    }
}
