import OperatorConfiguration

/// What the diagnoser's calls of one eval run cost: calls, tokens read and written (as the server
/// reported them on the diagnoses it returned), seconds spent waiting for answers (failed calls included),
/// and dollars at `diagnosis.price_per_mtok` when set. The offline diagnoser costs nothing but its seconds.
public struct ModelUsage: Sendable, Encodable, Equatable {
    public var calls: Int
    public var inputTokens: Int
    public var outputTokens: Int
    public var seconds: Double
    /// US dollars; nil without a price.
    public var costUSD: Double?

    public init(calls: Int = 0, inputTokens: Int = 0, outputTokens: Int = 0, seconds: Double = 0, costUSD: Double? = nil) {
        self.calls = calls
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.seconds = seconds
        self.costUSD = costUSD
    }

    enum CodingKeys: String, CodingKey {
        case calls, seconds
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case costUSD = "cost_usd"
    }

    /// The same usage priced (nil price: no cost).
    public func priced(_ price: ModelPrice?) -> ModelUsage {
        var out = self
        out.costUSD = price?.cost(inputTokens: inputTokens, outputTokens: outputTokens)
        return out
    }

    /// Several runs' usage together; a cost only when every part has one.
    public static func total(_ parts: [ModelUsage]) -> ModelUsage {
        let costs = parts.compactMap(\.costUSD)
        return ModelUsage(
            calls: parts.map(\.calls).reduce(0, +), inputTokens: parts.map(\.inputTokens).reduce(0, +),
            outputTokens: parts.map(\.outputTokens).reduce(0, +), seconds: parts.map(\.seconds).reduce(0, +),
            costUSD: !parts.isEmpty && costs.count == parts.count ? costs.reduce(0, +) : nil)
    }
}
