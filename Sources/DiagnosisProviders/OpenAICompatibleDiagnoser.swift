import Foundation
import Logging
import OperatorCore

/// Any OpenAI-compatible `/v1/chat/completions` endpoint (llama.cpp server, vLLM, Ollama) with the answer
/// constrained by the response format.
///
/// The schema is sent as `response_format: json_schema` with `strict: true`. A server that refuses that
/// is asked again with the next format of ``ResponseFormat``: `strict: false` (OpenAI's own API refuses
/// `maxLength`/`maxItems` and optional properties in strict mode, with HTTP 400), then `json_object` with
/// the schema alongside (llama-cpp-python's server knows only `text` and `json_object` and answers
/// `json_schema` with HTTP 500 naming `response_format`). Whatever the format, the reply is checked here.
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
        var format = ResponseFormat.strictSchema
        var round = 1
        while true {
            let response: ModelEndpointCall.Response
            do {
                response = try await call.post(body(messages: messages, schema: schema, format: format), final: ResponseFormat.refused)
            } catch let error as ModelCallError where error.status.map({ ResponseFormat.refused($0, error.message) }) == true {
                guard let next = format.fallback else { throw error }
                logger.warning(
                    "the server refused the response format; asking again with the next one",
                    metadata: ["refused": "\(format)", "next": "\(next)", "status": "\(error.status ?? 0)"])
                format = next
                continue
            }
            tokens.add(response.body["usage"], input: "prompt_tokens", output: "completion_tokens")
            if round == 1 { noteTokenizer(counted: response.body["usage"]?["prompt_tokens"], messages: messages) }
            let choice = response.body["choices"]?.arrayValue?.first
            let finish = choice?["finish_reason"]?.stringValue
            if finish == "length" {
                throw ModelReplyTruncated(
                    endpoint: call.url, reason: "finish_reason \"length\"", maxTokens: configuration.maxTokens,
                    outputTokens: (response.body["usage"]?["completion_tokens"]?.doubleValue).flatMap { Int(checking: $0) },
                    spentInputTokens: tokens.input, spentOutputTokens: tokens.output)
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

    /// The context budget (`diagnosis.context_tokens`) counts JSON bytes / 4; a server's tokenizer may count
    /// far more (Gemma's: about 2.2x, Docs/benchmarks.md). Said in the log with the server's own count, so
    /// an operator can size the budget for the model instead of finding out from a refused request.
    private func noteTokenizer(counted: JSONValue?, messages: [JSONValue]) {
        guard let counted = counted?.doubleValue.flatMap({ Int(checking: $0) }), counted > 0 else { return }
        let bytes = messages.reduce(0) { $0 + ($1["content"]?.stringValue?.utf8.count ?? 0) }
        let estimated = max(1, bytes / 4)
        logger.info(
            "the server counted the prompt's tokens",
            metadata: [
                "prompt_tokens": "\(counted)", "estimated_tokens": "\(estimated)",
                "ratio": "\(NumberText.decimal(Double(counted) / Double(estimated)))",
            ])
    }

    private func body(messages: [JSONValue], schema: OrderedJSON, format: ResponseFormat) -> OrderedJSON {
        [
            "model": .string(configuration.model),
            "messages": .array(messages.map(OrderedJSON.value)),
            "temperature": 0,
            "max_tokens": .number(configuration.maxTokens),
            "response_format": format.body(schema),
        ]
    }
}

/// How an OpenAI-compatible request asks for the schema, most exact first.
enum ResponseFormat: String, Sendable, CustomStringConvertible {
    /// `{"type": "json_schema", "json_schema": {"name", "strict": true, "schema"}}`: OpenAI, llama.cpp's
    /// llama-server, vLLM, Ollama.
    case strictSchema = "json_schema strict"
    /// The same with `strict: false`, for servers that refuse parts of the schema in strict mode.
    case schema = "json_schema"
    /// `{"type": "json_object", "schema"}`: llama-cpp-python's server and other older servers.
    case jsonObjectWithSchema = "json_object with schema"

    var description: String { rawValue }

    var fallback: ResponseFormat? {
        switch self {
        case .strictSchema: .schema
        case .schema: .jsonObjectWithSchema
        case .jsonObjectWithSchema: nil
        }
    }

    func body(_ schema: OrderedJSON) -> OrderedJSON {
        switch self {
        case .strictSchema, .schema:
            [
                "type": "json_schema",
                "json_schema": ["name": .string(DiagnosisSchema.toolName), "strict": .value(.bool(self == .strictSchema)), "schema": schema],
            ]
        case .jsonObjectWithSchema:
            ["type": "json_object", "schema": schema]
        }
    }

    /// An error answer that refuses the response format (or the schema in it), whatever its status: 400
    /// from OpenAI, 422 from a validating server, 500 from llama-cpp-python's.
    @Sendable static func refused(_ status: Int, _ message: String) -> Bool {
        guard (400..<600).contains(status), status != 401, status != 403, status != 404, status != 429, status != 529 else { return false }
        let m = message.lowercased()
        return ["response_format", "json_schema", "strict", "maxitems", "maxlength"].contains { m.contains($0) }
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
