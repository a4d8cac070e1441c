import Foundation
import Logging
import OperatorCore

/// Any OpenAI-compatible `/v1/chat/completions` endpoint (llama.cpp server, vLLM, Ollama) with the answer
/// constrained by `response_format: json_schema`.
///
/// The schema is sent with `strict: true`; a server that refuses it (HTTP 400 naming the schema, the
/// response format or strict mode: OpenAI's own API refuses `maxLength`/`maxItems` and optional properties
/// in strict mode) is asked once more with `strict: false`, and the reply is still checked here.
public struct OpenAICompatibleDiagnoser: Diagnoser {
    public struct Configuration: Sendable {
        /// Ollama's OpenAI-compatible endpoint on this machine; point it anywhere with --base-url.
        public static let defaultBaseURL = "http://127.0.0.1:11434/v1"

        public var baseURL: String
        public var model: String
        /// Optional: local servers usually need none.
        public var apiKey: String?
        public var maxTokens: Int
        public var retry: RetryPolicy

        public init(baseURL: String = defaultBaseURL, model: String, apiKey: String? = nil, maxTokens: Int = 2048,
                    retry: RetryPolicy = RetryPolicy()) {
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.model = model
            self.apiKey = apiKey
            self.maxTokens = maxTokens
            self.retry = retry
        }
    }

    public let name = "openai"
    private let configuration: Configuration
    private let logger: Logger

    public init(configuration: Configuration, logger: Logger = Logger(label: "operator.openai")) {
        self.configuration = configuration
        self.logger = logger
    }

    public func diagnose(_ context: DiagnosisContext) async throws -> Diagnosis {
        let start = ContinuousClock.now
        var headers: [(String, String)] = []
        if let key = configuration.apiKey, !key.isEmpty { headers.append(("authorization", "Bearer \(key)")) }
        let call = ModelEndpointCall(
            url: configuration.baseURL + "/chat/completions", headers: headers, policy: configuration.retry, logger: logger)
        let schema = DiagnosisSchema.jsonSchema(for: context)
        var messages: [JSONValue] = [
            ["role": "system", "content": .string(DiagnosisPrompt.system(subject: context.subject, taxonomy: context.taxonomy, channel: .jsonReply))],
            ["role": "user", "content": .string(DiagnosisPrompt.user(context, channel: .jsonReply))],
        ]
        var tokens = TokenCount()
        var strict = true
        var round = 1
        while true {
            let response: ModelEndpointCall.Response
            do {
                response = try await call.post(body(messages: messages, schema: schema, strict: strict))
            } catch let error as ModelCallError where strict && Self.refusesStrictSchema(error) {
                logger.warning("the server refused the strict json_schema; asking again with strict: false", metadata: ["error": "\(error.message)"])
                strict = false
                continue
            }
            tokens.add(response.body["usage"], input: "prompt_tokens", output: "completion_tokens")
            let choice = response.body["choices"]?.arrayValue?.first
            let finish = choice?["finish_reason"]?.stringValue
            if finish == "length" {
                throw ModelReplyTruncated(
                    endpoint: call.url, reason: "finish_reason \"length\"", maxTokens: configuration.maxTokens,
                    outputTokens: (response.body["usage"]?["completion_tokens"]?.doubleValue).flatMap { Int(checking: $0) })
            }
            let content = choice?["message"]?["content"]?.stringValue ?? ""
            do {
                guard let answer = ModelJSON.object(in: content) else {
                    throw DiagnosisSchema.InvalidOutput(problems: ["the reply holds no JSON object (finish_reason \(finish ?? "absent"))"])
                }
                var diagnosis = try DiagnosisSchema.diagnosis(
                    from: answer, context: context, diagnoser: name, model: response.body["model"]?.stringValue ?? configuration.model)
                diagnosis.inputTokens = tokens.input
                diagnosis.outputTokens = tokens.output
                diagnosis.durationMs = Int(checking: ((ContinuousClock.now - start).seconds * 1000).rounded()) ?? 0
                return diagnosis
            } catch let invalid as DiagnosisSchema.InvalidOutput {
                guard round == 1 else { throw invalid }
                round += 1
                logger.warning("model answer rejected, asking once more", metadata: ["problems": "\(invalid.problems.joined(separator: "; "))"])
                // The repair round sends the problems only, not the rejected reply back.
                messages.append(["role": "user", "content": .string(RepairRequest.text(invalid, channel: .jsonReply))])
            }
        }
    }

    private func body(messages: [JSONValue], schema: OrderedJSON, strict: Bool) -> OrderedJSON {
        [
            "model": .string(configuration.model),
            "messages": .array(messages.map(OrderedJSON.value)),
            "temperature": 0,
            "max_tokens": .number(configuration.maxTokens),
            "response_format": [
                "type": "json_schema",
                "json_schema": ["name": .string(DiagnosisSchema.toolName), "strict": .value(.bool(strict)), "schema": schema],
            ],
        ]
    }

    /// A 400 that names the schema or strict mode: the server cannot take this schema strictly.
    static func refusesStrictSchema(_ error: ModelCallError) -> Bool {
        guard error.status == 400 else { return false }
        let m = error.message.lowercased()
        return ["schema", "strict", "response_format", "maxitems", "maxlength"].contains { m.contains($0) }
    }
}

/// What a repair round says: the problems, and what to send instead.
enum RepairRequest {
    static func text(_ invalid: DiagnosisSchema.InvalidOutput, channel: DiagnosisPrompt.AnswerChannel) -> String {
        "Your previous answer was rejected: \(invalid.problems.joined(separator: "; ")). "
            + (channel == .tool ? "Call \(DiagnosisSchema.toolName) again with a corrected diagnosis."
                : "Reply with only the corrected JSON object.")
    }
}
