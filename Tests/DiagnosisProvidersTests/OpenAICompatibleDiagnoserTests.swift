import DiagnosisProviders
import Foundation
import OperatorCore
import OperatorTestSupport
import Testing

@Suite("OpenAI-compatible chat completions diagnoser")
struct OpenAICompatibleDiagnoserTests {
    func diagnoser(_ server: LoopbackServer, key: String? = nil) -> OpenAICompatibleDiagnoser {
        OpenAICompatibleDiagnoser(configuration: .init(
            baseURL: server.baseURL + "/v1", model: "qwen2.5:7b", apiKey: key,
            retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10), maxDelay: .milliseconds(100), timeout: .seconds(10))))
    }

    @Test func theRequestAsksForJSONSchemaOutput() async throws {
        let log = RequestLog()
        let server = try await startDouble(
            path: "/v1/chat/completions", script: ResponseScript([.init(body: chatCompletion(content: "```json\n\(validAnswer.jsonText)\n```"))]),
            log: log)
        defer { server.stop() }
        let d = try await diagnoser(server, key: "sk-local-test-key-123456").diagnose(sampleContext())
        let request = try #require(log.all.first)
        #expect(request.headers["authorization"] == "Bearer sk-local-test-key-123456")
        #expect(!request.body.contains("sk-local-test-key-123456"))
        let body = try json(request.body)
        #expect(body["model"] == "qwen2.5:7b")
        #expect(body["response_format"]?["type"] == "json_schema")
        #expect(body["response_format"]?["json_schema"]?["schema"]?["properties"]?["confidence"]?["type"] == "number")
        #expect(body["messages"]?.arrayValue?.first?["role"] == "system")
        #expect(d.rootCause.entity == "store:2")
        #expect(d.diagnoser == "openai")
        #expect(d.inputTokens == 1800 && d.outputTokens == 420)
    }

    @Test func noKeyMeansNoAuthorizationHeader() async throws {
        let log = RequestLog()
        let server = try await startDouble(path: "/v1/chat/completions", script: ResponseScript([.init(body: chatCompletion(content: validAnswer.jsonText))]), log: log)
        defer { server.stop() }
        _ = try await diagnoser(server).diagnose(sampleContext())
        #expect(log.all.first?.headers["authorization"] == nil)
    }

    @Test func proseIsRetriedOnceThenRejected() async throws {
        let log = RequestLog()
        let server = try await startDouble(
            path: "/v1/chat/completions", script: ResponseScript([.init(body: chatCompletion(content: "I think the store is down."))]), log: log)
        defer { server.stop() }
        await #expect {
            _ = try await diagnoser(server).diagnose(sampleContext())
        } throws: { "\($0)".contains("holds no JSON object") }
        #expect(log.all.count == 2)
        let second = try json(try #require(log.all.last).body)
        #expect(second["messages"]?.arrayValue?.last?["content"]?.stringValue?.hasPrefix("Your previous answer was rejected: the reply holds no JSON object") == true)
        #expect(second["messages"]?.arrayValue?.contains { $0["role"] == "assistant" } == false, "the prose is not sent back")
    }

    @Test func aMissingModelIsTheServersErrorMessage() async throws {
        let server = try await startDouble(
            path: "/v1/chat/completions",
            script: ResponseScript([.init(status: .notFound, body: #"{"error":{"message":"model \"qwen2.5:7b\" not found, try pulling it first","type":"api_error"}}"#)]),
            log: RequestLog())
        defer { server.stop() }
        await #expect {
            _ = try await diagnoser(server).diagnose(sampleContext())
        } throws: { "\($0)".contains("not found, try pulling it first") && "\($0)".contains("HTTP 404") }
    }

    @Test func aDeadEndpointNamesTheURL() async throws {
        let port = try closedLocalPort()
        let d = OpenAICompatibleDiagnoser(configuration: .init(
            baseURL: "http://127.0.0.1:\(port)/v1", model: "m", retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(5))))
        await #expect {
            _ = try await d.diagnose(sampleContext())
        } throws: { "\($0)".contains("http://127.0.0.1:\(port)/v1/chat/completions") }
    }
}
