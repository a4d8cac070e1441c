import Foundation
import Logging
import OperatorCore

/// Any OpenAI-compatible `/v1/chat/completions` endpoint (Ollama, vLLM, llama.cpp server) with JSON-schema output.
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

        public init(baseURL: String = defaultBaseURL, model: String, apiKey: String? = nil, maxTokens: Int = 4096,
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
        var messages: [JSONValue] = [
            ["role": "system", "content": .string(DiagnosisPrompt.system(subject: context.subject, taxonomy: context.taxonomy)
                + "\nHere there is no tool: reply with only the JSON object the schema describes.")],
            ["role": "user", "content": .string(DiagnosisPrompt.user(context))],
        ]
        var inputTokens = 0, outputTokens = 0
        for attempt in 1...2 {
            let body: JSONValue = [
                "model": .string(configuration.model), "messages": .array(messages), "temperature": 0,
                "max_tokens": .number(Double(configuration.maxTokens)),
                "response_format": [
                    "type": "json_schema",
                    "json_schema": ["name": .string(DiagnosisSchema.toolName), "strict": true,
                                    "schema": DiagnosisSchema.jsonSchema(taxonomy: context.taxonomy)],
                ],
            ]
            let response = try await call.post(body)
            inputTokens += (response.body["usage"]?["prompt_tokens"]?.doubleValue).flatMap { Int(checking: $0) } ?? 0
            outputTokens += (response.body["usage"]?["completion_tokens"]?.doubleValue).flatMap { Int(checking: $0) } ?? 0
            let content = response.body["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue ?? ""
            do {
                guard let answer = ModelJSON.object(in: content) else {
                    throw DiagnosisSchema.InvalidOutput(problems: ["the reply holds no JSON object"])
                }
                var diagnosis = try DiagnosisSchema.diagnosis(
                    from: answer, context: context, diagnoser: name, model: response.body["model"]?.stringValue ?? configuration.model)
                diagnosis.inputTokens = inputTokens
                diagnosis.outputTokens = outputTokens
                diagnosis.durationMs = Int(((ContinuousClock.now - start).seconds * 1000).rounded())
                return diagnosis
            } catch let invalid as DiagnosisSchema.InvalidOutput {
                guard attempt == 1 else { throw invalid }
                logger.warning("model answer rejected, asking once more", metadata: ["problems": "\(invalid.problems.joined(separator: "; "))"])
                messages.append(["role": "assistant", "content": .string(content)])
                messages.append(["role": "user", "content": .string("Rejected: \(invalid.description). Reply with only the corrected JSON object.")])
            }
        }
        throw DiagnosisSchema.InvalidOutput(problems: ["unreachable"])
    }
}
