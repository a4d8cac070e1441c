import ArgumentParser
import Foundation
import OperatorConfiguration
import OperatorCore

/// `--max-tokens`, `--model-timeout`, `--context-tokens`, `--retries`, or `max_tokens`, `request_timeout`,
/// `context_tokens`, `retries` in the `diagnosis:` section of operator.yaml: what one model-backed diagnosis may cost. Flags win over the file;
/// both are held to the ranges in `SettingLimits`.
struct ModelLimitOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Output tokens a model may write for one diagnosis (default 2048; diagnosis.max_tokens).", valueName: "n"))
    var maxTokens: Int?

    @Option(
        help: ArgumentHelp(
            "Budget of one model request, connect to last byte (default 120s; diagnosis.request_timeout). A request that runs out is not retried.",
            valueName: "duration"))
    var modelTimeout: String?

    @Option(help: ArgumentHelp("Size of the context given to the model, in estimated tokens (default 8000; diagnosis.context_tokens).", valueName: "n"))
    var contextTokens: Int?

    @Option(help: ArgumentHelp("Further attempts after a refused connection, 429, 529 or 5xx (default 3; diagnosis.retries).", valueName: "n"))
    var retries: Int?

    func limits(file: OperatorConfigFile) throws -> ModelCallLimits {
        var limits = try file.modelCallLimits()
        if let maxTokens { limits.maxTokens = try SettingLimits.diagnosisMaxTokens.check(maxTokens, from: .flag("--max-tokens")) }
        if let modelTimeout {
            limits.requestTimeout = try SettingLimits.diagnosisRequestTimeout.parse(modelTimeout, from: .flag("--model-timeout"))
        }
        if let contextTokens {
            limits.contextTokens = try SettingLimits.diagnosisContextTokens.check(contextTokens, from: .flag("--context-tokens"))
        }
        if let retries { limits.retries = try SettingLimits.diagnosisRetries.check(retries, from: .flag("--retries")) }
        return limits
    }
}
