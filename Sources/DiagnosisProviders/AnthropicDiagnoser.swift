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

        public init(apiKey: String, model: String = defaultModel, baseURL: String = defaultBaseURL, maxTokens: Int = 2048,
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
        let tool: OrderedJSON = [
            "name": .string(DiagnosisSchema.toolName),
            "description": "Record the structured diagnosis of the incident.",
            "input_schema": DiagnosisSchema.jsonSchema(for: context),
        ]
        var content: [JSONValue] = [["type": "text", "text": .string(DiagnosisPrompt.user(context, channel: .tool))]]
        var tokens = TokenCount()
        // One repair round for an answer that does not validate; it sends the problems, not the answer back.
        for round in 1...2 {
            let body: OrderedJSON = [
                "model": .string(configuration.model), "max_tokens": .number(configuration.maxTokens),
                "system": .string(DiagnosisPrompt.system(subject: context.subject, taxonomy: context.taxonomy, channel: .tool)),
                "messages": [.value(["role": "user", "content": .array(content)])], "tools": [tool],
                "tool_choice": ["type": "tool", "name": .string(DiagnosisSchema.toolName)],
            ]
            let response = try await call.post(body)
            tokens.add(response.body["usage"], input: "input_tokens", output: "output_tokens")
            if let stop = response.body["stop_reason"]?.stringValue, stop == "max_tokens" {
                throw ModelReplyTruncated(
                    endpoint: call.url, reason: "stop_reason \"max_tokens\"", maxTokens: configuration.maxTokens,
                    outputTokens: (response.body["usage"]?["output_tokens"]?.doubleValue).flatMap { Int(checking: $0) },
                    spentInputTokens: tokens.input, spentOutputTokens: tokens.output)
            }
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
                diagnosis.inputTokens = tokens.input
                diagnosis.outputTokens = tokens.output
                diagnosis.durationMs = Int(checking: ((ContinuousClock.now - start).seconds * 1000).rounded()) ?? 0
                return diagnosis
            } catch let invalid as DiagnosisSchema.InvalidOutput {
                guard round == 1 else { throw invalid }
                logger.warning("model answer rejected, asking once more", metadata: ["problems": "\(invalid.problems.joined(separator: "; "))"])
                content.append(["type": "text", "text": .string(RepairRequest.text(invalid, channel: .tool))])
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
