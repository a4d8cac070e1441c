import Foundation
import Logging
import OperatorCore

/// Claude through the Messages API, with the diagnosis as a forced tool call.
public struct AnthropicDiagnoser: Diagnoser {
    public struct Configuration: Sendable {
        /// A current Claude Sonnet; any Messages API model id works.
        public static let defaultModel = "claude-sonnet-4-5"
        public static let defaultBaseURL = "https://api.anthropic.com"
        public static let apiVersion = "2023-06-01"

        public var apiKey: String
        public var model: String
        public var baseURL: String
        public var maxTokens: Int
        public var retry: RetryPolicy

        public init(apiKey: String, model: String = defaultModel, baseURL: String = defaultBaseURL, maxTokens: Int = 4096,
                    retry: RetryPolicy = RetryPolicy()) {
            self.apiKey = apiKey
            self.model = model
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.maxTokens = maxTokens
            self.retry = retry
        }
    }

    public let name = "anthropic"
    private let configuration: Configuration
    private let logger: Logger

    public init(configuration: Configuration, logger: Logger = Logger(label: "operator.anthropic")) {
        self.configuration = configuration
        self.logger = logger
    }

    public func diagnose(_ context: DiagnosisContext) async throws -> Diagnosis {
        let start = ContinuousClock.now
        let call = ModelEndpointCall(
            url: configuration.baseURL + "/v1/messages",
            headers: [("x-api-key", configuration.apiKey), ("anthropic-version", Configuration.apiVersion)],
            policy: configuration.retry, logger: logger)
        let tool: JSONValue = [
            "name": .string(DiagnosisSchema.toolName),
            "description": "Record the structured diagnosis of the incident.",
            "input_schema": DiagnosisSchema.jsonSchema(taxonomy: context.taxonomy),
        ]
        var messages: [JSONValue] = [["role": "user", "content": .string(DiagnosisPrompt.user(context))]]
        var inputTokens = 0, outputTokens = 0
        // One retry for an answer that does not validate, telling the model what was wrong.
        for attempt in 1...2 {
            let body: JSONValue = [
                "model": .string(configuration.model), "max_tokens": .number(Double(configuration.maxTokens)),
                "system": .string(DiagnosisPrompt.system(subject: context.subject, taxonomy: context.taxonomy)),
                "messages": .array(messages), "tools": [tool],
                "tool_choice": ["type": "tool", "name": .string(DiagnosisSchema.toolName)],
            ]
            let response = try await call.post(body)
            inputTokens += (response.body["usage"]?["input_tokens"]?.doubleValue).flatMap { Int(checking: $0) } ?? 0
            outputTokens += (response.body["usage"]?["output_tokens"]?.doubleValue).flatMap { Int(checking: $0) } ?? 0
            let blocks = response.body["content"]?.arrayValue ?? []
            let toolUse = blocks.first { $0["type"]?.stringValue == "tool_use" && $0["name"]?.stringValue == DiagnosisSchema.toolName }
            do {
                let answer: JSONValue
                if let input = toolUse?["input"] {
                    answer = input
                } else if let text = blocks.compactMap({ $0["text"]?.stringValue }).first, let json = ModelJSON.object(in: text) {
                    answer = json  // a model that declined the tool but answered in JSON
                } else {
                    throw DiagnosisSchema.InvalidOutput(problems: ["no \(DiagnosisSchema.toolName) tool call in the response"])
                }
                var diagnosis = try DiagnosisSchema.diagnosis(
                    from: answer, context: context, diagnoser: name,
                    model: response.body["model"]?.stringValue ?? configuration.model)
                diagnosis.inputTokens = inputTokens
                diagnosis.outputTokens = outputTokens
                diagnosis.durationMs = Int(((ContinuousClock.now - start).seconds * 1000).rounded())
                return diagnosis
            } catch let invalid as DiagnosisSchema.InvalidOutput {
                guard attempt == 1 else { throw invalid }
                logger.warning("model answer rejected, asking once more", metadata: ["problems": "\(invalid.problems.joined(separator: "; "))"])
                if let toolUse, let id = toolUse["id"]?.stringValue {
                    messages.append(["role": "assistant", "content": .array(blocks)])
                    messages.append([
                        "role": "user",
                        "content": [["type": "tool_result", "tool_use_id": .string(id), "is_error": true,
                                     "content": .string("Rejected: \(invalid.description). Call \(DiagnosisSchema.toolName) again with a corrected diagnosis.")]],
                    ])
                } else {
                    messages.append(["role": "assistant", "content": .array(blocks.isEmpty ? [["type": "text", "text": "(no answer)"]] : blocks)])
                    messages.append(["role": "user", "content": .string("Rejected: \(invalid.description). Call \(DiagnosisSchema.toolName).")])
                }
            }
        }
        throw DiagnosisSchema.InvalidOutput(problems: ["unreachable"])
    }
}

/// Finds the JSON object in a model's text answer (bare, or in a ```json fence).
enum ModelJSON {
    static func object(in text: String) -> JSONValue? {
        guard let open = text.firstIndex(of: "{"), let close = text.lastIndex(of: "}"), open < close else { return nil }
        let candidate = String(text[open...close])
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(candidate.utf8)), value.objectValue != nil else { return nil }
        return value
    }
}
