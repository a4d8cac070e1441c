import Foundation
import OperatorCore

/// How much a model-backed diagnosis may cost: output tokens, time per request, context size, retries.
/// From the `diagnosis:` section of operator.yaml, overridden by flags; both pass `SettingLimits`.
///
/// ```yaml
/// diagnosis:
///   diagnoser: openai
///   max_tokens: 2048
///   request_timeout: 60s
///   context_tokens: 6000
///   retries: 3
///   openai: { base_url: http://127.0.0.1:8080/v1, model: gemma3-270m }
/// ```
public struct ModelCallLimits: Sendable, Equatable {
    public var maxTokens: Int
    public var requestTimeout: Duration
    public var contextTokens: Int
    public var retries: Int

    public static let defaults = ModelCallLimits(maxTokens: 2048, requestTimeout: .seconds(120), contextTokens: 8000, retries: 3)

    public init(maxTokens: Int, requestTimeout: Duration, contextTokens: Int, retries: Int) {
        self.maxTokens = maxTokens
        self.requestTimeout = requestTimeout
        self.contextTokens = contextTokens
        self.retries = retries
    }
}

extension OperatorConfigFile {
    /// Keys the `diagnosis:` section may hold; anything else is a typo that would silently keep a default.
    public static let diagnosisKeys: Set<String> = [
        "diagnoser", "anthropic", "openai", "max_tokens", "request_timeout", "context_tokens", "retries", "price_per_mtok",
    ]

    /// The `diagnosis:` section's limits over the defaults, each checked against its range.
    public func modelCallLimits() throws(ConfigurationError) -> ModelCallLimits {
        let section = try section("diagnosis")
        if let unknown = section.keys.filter({ !Self.diagnosisKeys.contains($0) }).sorted().first {
            throw ConfigurationError(
                "config file \(path ?? "operator.yaml"): unknown setting \"diagnosis.\(unknown)\"; known: "
                    + Self.diagnosisKeys.sorted().map { "diagnosis.\($0)" }.joined(separator: ", "))
        }
        var limits = ModelCallLimits.defaults
        func integer(_ setting: IntegerSetting, _ key: String) throws(ConfigurationError) -> Int? {
            guard let v = section[key] else { return nil }
            let src = source(setting.name)
            switch v {
            case .number(let n):
                guard let i = Int(exactly: n) else {
                    throw ConfigurationError("\(src.description): \(NumberText.decimal(n)) is not a whole number; \(setting.name) must be \(setting.range.lowerBound)…\(setting.range.upperBound)")
                }
                return try setting.check(i, from: src)
            case .string(let s): return try setting.parse(s, from: src)
            default: throw ConfigurationError("\(src.description): \(setting.name) must be a whole number")
            }
        }
        if let v = try integer(SettingLimits.diagnosisMaxTokens, "max_tokens") { limits.maxTokens = v }
        if let v = try integer(SettingLimits.diagnosisContextTokens, "context_tokens") { limits.contextTokens = v }
        if let v = try integer(SettingLimits.diagnosisRetries, "retries") { limits.retries = v }
        if let v = section["request_timeout"] {
            let src = source(SettingLimits.diagnosisRequestTimeout.name)
            guard let text = v.stringValue else {
                throw ConfigurationError("\(src.description): diagnosis.request_timeout must be a duration such as 60s or 2m")
            }
            limits.requestTimeout = try SettingLimits.diagnosisRequestTimeout.parse(text, from: src)
        }
        return limits
    }
}
