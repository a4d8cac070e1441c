import DiagnosisProviders
import Foundation
import OperatorConfiguration
import OperatorCore
import OperatorHTTP

/// Chooses the diagnoser once, at the composition root, from `--diagnoser`, the environment and the
/// `diagnosis:` section of operator.yaml. Keys come only from the environment, never from files or flags.
enum DiagnoserFactory {
    static let names = ["offline", "anthropic", "openai"]

    struct ModelSettings {
        var model: String?
        var baseURL: String?
    }

    /// `limits`: nil takes them from the file's `diagnosis:` section (or the defaults).
    static func make<S: Subject>(
        _ name: String, for subject: S, config: OperatorConfigFile, overrides: ModelSettings = ModelSettings(),
        limits given: ModelCallLimits? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> any Diagnoser {
        let section = try config.section("diagnosis")
        let limits = try given ?? config.modelCallLimits()
        let retry = RetryPolicy(maxAttempts: limits.retries + 1, timeout: limits.requestTimeout)
        let settings = (section[name.lowercased()]?.objectValue) ?? [:]
        func setting(_ key: String, env: String) -> String? {
            environment[env].flatMap { $0.isEmpty ? nil : $0 } ?? settings[key]?.stringValue
        }
        /// The model endpoint, checked like every URL; its userinfo goes to the HTTP layer only.
        func baseURL(env: String, fallback: String) throws -> String {
            let (text, source): (String, SettingSource) =
                if let flag = overrides.baseURL { (flag, .flag("--base-url")) }
                else if let value = environment[env], !value.isEmpty { (value, .environment(env)) }
                else if let value = settings["base_url"]?.stringValue {
                    (value, .file(path: config.path ?? "operator.yaml", key: "diagnosis.\(name.lowercased()).base_url"))
                } else { (fallback, .flag("--base-url")) }
            let url = try EndpointURL.parse(text, from: source)
            ClusterOptions.registerCredentials(of: url)
            // A self-hosted model server behind a private CA: `diagnosis.<name>.ca_file`.
            if let caFile = settings["ca_file"]?.stringValue, !caFile.isEmpty {
                let tls = TLSConfigurationSource(settings: TLSFileSettings(caFile: config.resolvedPath(caFile)))
                do { _ = try tls.configuration() } catch { throw CLIFailure(error.description, exitCode: 2) }
                HTTPSecurityScope.registerProcessWide(url: url.url, HTTPSecurityScope.Origin(tls: tls))
            }
            return url.url
        }
        switch name.lowercased() {
        case "offline":
            return OfflineDiagnoser(rules: subject.knowledge.rules)
        case "anthropic":
            guard let key = environment["ANTHROPIC_API_KEY"], !key.isEmpty else {
                throw CLIFailure(
                    "the anthropic diagnoser needs ANTHROPIC_API_KEY in the environment; or use --diagnoser offline", exitCode: 2)
            }
            return AnthropicDiagnoser(configuration: .init(
                apiKey: key,
                model: overrides.model ?? setting("model", env: "ANTHROPIC_MODEL") ?? AnthropicDiagnoser.Configuration.defaultModel,
                baseURL: try baseURL(env: "ANTHROPIC_BASE_URL", fallback: AnthropicDiagnoser.Configuration.defaultBaseURL),
                maxTokens: limits.maxTokens, retry: retry))
        case "openai":
            guard let model = overrides.model ?? setting("model", env: "OPENAI_MODEL") else {
                throw CLIFailure(
                    "the openai diagnoser needs a model: --model NAME, OPENAI_MODEL, or diagnosis.openai.model in operator.yaml", exitCode: 2)
            }
            return OpenAICompatibleDiagnoser(configuration: .init(
                baseURL: try baseURL(env: "OPENAI_BASE_URL", fallback: OpenAICompatibleDiagnoser.Configuration.defaultBaseURL),
                model: model, apiKey: environment["OPENAI_API_KEY"], maxTokens: limits.maxTokens, retry: retry))
        default:
            throw CLIFailure("unknown diagnoser \"\(name)\"; known diagnosers: \(names.joined(separator: ", "))", exitCode: 2)
        }
    }
}
