import OperatorCore

/// The server stopped the reply before the diagnosis was complete: `finish_reason: "length"` (OpenAI-
/// compatible) or `stop_reason: "max_tokens"` (Anthropic). Asking again with the same budget would be cut
/// the same way, and sending the cut reply back only costs more tokens, so this ends the diagnosis.
public struct ModelReplyTruncated: ModelUsageReporting, CustomStringConvertible {
    public var endpoint: String
    /// The server's words for why it stopped (`length`, `max_tokens`).
    public var reason: String
    /// The output budget the request asked for.
    public var maxTokens: Int
    /// What the server says it produced, when it says.
    public var outputTokens: Int?
    /// Tokens of every round of the diagnosis, the cut one included: paid for though nothing came of them.
    public var spentInputTokens: Int
    public var spentOutputTokens: Int

    public init(endpoint: String, reason: String, maxTokens: Int, outputTokens: Int?, spentInputTokens: Int = 0, spentOutputTokens: Int = 0) {
        self.endpoint = endpoint
        self.reason = reason
        self.maxTokens = maxTokens
        self.outputTokens = outputTokens
        self.spentInputTokens = spentInputTokens
        self.spentOutputTokens = spentOutputTokens
    }

    public var description: String {
        let produced = outputTokens.map { "after \($0) output tokens" } ?? "at the output budget"
        return "\(endpoint): the model's reply was cut \(produced) (max_tokens \(maxTokens), the server says \(reason)) "
            + "before the diagnosis was complete; raise diagnosis.max_tokens (--max-tokens) or lower diagnosis.context_tokens "
            + "(--context-tokens) so prompt and answer fit the server's context"
    }
}

/// What a diagnosis cost, summed over its rounds.
struct TokenCount {
    var input = 0
    var output = 0

    mutating func add(_ usage: JSONValue?, input inputKey: String, output outputKey: String) {
        input += (usage?[inputKey]?.doubleValue).flatMap { Int(checking: $0) } ?? 0
        output += (usage?[outputKey]?.doubleValue).flatMap { Int(checking: $0) } ?? 0
    }
}
