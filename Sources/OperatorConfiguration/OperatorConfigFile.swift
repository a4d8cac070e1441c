import Foundation
import OperatorCore

/// `operator.yaml`: the same settings as the flags, for a deployment that should not repeat them.
///
/// ```yaml
/// subject: tikv
/// endpoints: [http://pd0:2379]
/// prometheus: http://prometheus:9090
/// db: /var/lib/operator/operator.db
/// interval: 5s
/// resolve_after: 3
/// degraded_after: 2
/// flapping: { threshold: 3, window: 30m, settle: 5m }
/// metrics_port: 9464
/// diagnosis: { diagnoser: offline }
/// subjects:
///   tikv: { latency_p99_seconds: 0.5 }
/// ```
/// Flags win over environment variables, which win over this file. Unknown keys are errors: a typo in a
/// threshold should not silently fall back to a default.
public struct OperatorConfigFile: Sendable {
    public static let knownKeys: Set<String> = [
        "subject", "endpoints", "prometheus", "db",
        // PostgreSQL `db:`: the file holding its password (the password itself stays out of this file).
        "db_password_file",
        "interval", "tick_timeout", "resolve_after", "metrics_port",
        "degraded_after", "log_level", "diagnosis", "subjects", "flapping", "clusters",
        // TLS toward the cluster (`ca_file`, `cert_file`, `key_file`, ...); see `ConnectionSecurity`.
        "tls",
        // `operator serve`: the file holding the API token (the token itself stays out of this file).
        "api_token_file",
        // Notifications out: receivers and delivery (`NotifySettings`).
        "notify",
    ]

    public var path: String?
    public var values: [String: JSONValue] = [:]
    /// Which part of the file these settings come from when it is not the top level (`clusters[prod-east]`),
    /// so an error names the entry: `"clusters[prod-east].interval" in config file operator.yaml`.
    public var scope: String?

    public static let empty = OperatorConfigFile()

    public init(path: String? = nil, values: [String: JSONValue] = [:]) {
        self.path = path
        self.values = values
    }

    /// Reads `explicitPath`, else `$OPERATOR_CONFIG`, else `./operator.yaml` when it exists.
    public static func load(
        explicitPath: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> OperatorConfigFile {
        let chosen = explicitPath ?? environment["OPERATOR_CONFIG"]
        let path: String
        if let chosen {
            path = chosen
        } else if FileManager.default.fileExists(atPath: "operator.yaml") {
            path = "operator.yaml"
        } else {
            return .empty
        }
        // Size first: a file far beyond any real config is refused without reading it into memory.
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber,
            size.int64Value > Int64(BoundedYAML.maximumBytes)
        {
            throw ConfigurationError(
                "config file \(path) is \(size.int64Value) bytes; the limit is \(BoundedYAML.maximumBytes) bytes (1 MiB). Keep it to its settings")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("cannot read config file \(path); check the path given with --config or OPERATOR_CONFIG")
        }
        return try parse(data, path: path)
    }

    /// The one entry point from bytes: UTF-8 YAML, bounded in size, nesting and alias expansion.
    public static func parse(_ data: Data, path: String) throws(ConfigurationError) -> OperatorConfigFile {
        guard data.count <= BoundedYAML.maximumBytes else {
            throw ConfigurationError(
                "config file \(path) is \(data.count) bytes; the limit is \(BoundedYAML.maximumBytes) bytes (1 MiB). Keep it to its settings")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError("config file \(path) is not UTF-8 text; save it as UTF-8")
        }
        return try parse(text, path: path)
    }

    /// The one entry point from text; `path` names the file in errors.
    public static func parse(_ text: String, path: String) throws(ConfigurationError) -> OperatorConfigFile {
        guard let loaded = try BoundedYAML.load(text, path: path) else { return OperatorConfigFile(path: path) }
        guard case .object(let object) = loaded else {
            throw ConfigurationError("config file \(path) must be a mapping of settings (subject:, endpoints:, ...)")
        }
        if let unknown = object.keys.filter({ !knownKeys.contains($0) }).sorted().first {
            throw ConfigurationError(
                "config file \(path): unknown setting \"\(unknown)\"; known settings: \(knownKeys.sorted().joined(separator: ", "))")
        }
        let file = OperatorConfigFile(path: path, values: object)
        try file.validate()
        return file
    }

    /// Checks every setting this file holds at once, so a bad value fails at load, not when first used.
    func validate() throws(ConfigurationError) {
        _ = try string("subject")
        _ = try string("db")
        _ = try string("db_password_file")
        _ = try string("log_level")
        _ = try duration(SettingLimits.interval)
        _ = try duration(SettingLimits.tickTimeout)
        _ = try integer(SettingLimits.resolveAfter)
        _ = try integer(SettingLimits.degradedAfter)
        _ = try integer(SettingLimits.metricsPort)
        _ = try endpointURLs("endpoints")
        _ = try prometheusEndpoint()
        _ = try tlsSettings()
        _ = try modelCallLimits()
        _ = try modelPrice()
        _ = try section("subjects")
        _ = try string("api_token_file")
        if scope == nil { _ = try notifySettings() }
        if scope == nil { _ = try clusters() }  // each entry is checked, with its own keys, as a whole file
    }

    // MARK: - Typed access

    var fileName: String { path ?? "operator.yaml" }

    public func source(_ key: String) -> SettingSource { .file(path: fileName, key: scoped(key)) }

    private func scoped(_ key: String) -> String { scope.map { "\($0).\(key)" } ?? key }

    func scopedKey(_ key: String) -> String { scoped(key) }

    public func string(_ key: String) throws(ConfigurationError) -> String? {
        guard let v = values[key] else { return nil }
        switch v {
        case .string(let s): return s
        case .number(let n):
            if let whole = Int64(exactly: n) { return String(whole) }
            return String(n)
        case .null: return nil
        default: throw typeError(key, "a string")
        }
    }

    public func int(_ key: String) throws(ConfigurationError) -> Int? {
        guard let v = values[key] else { return nil }
        if case .number(let n) = v, let i = Int(exactly: n) { return i }
        if case .string(let s) = v, let i = Int(s) { return i }
        throw typeError(key, "a whole number")
    }

    /// A whole-number setting, checked against its range.
    public func integer(_ setting: IntegerSetting) throws(ConfigurationError) -> Int? {
        guard let value = try int(setting.name) else { return nil }
        return try setting.check(value, from: source(setting.name))
    }

    /// A duration setting (`5s`), checked against its range.
    public func duration(_ setting: DurationSetting) throws(ConfigurationError) -> Duration? {
        guard let text = try string(setting.name) else { return nil }
        return try setting.parse(text, from: source(setting.name))
    }

    /// A list written as a YAML sequence or as one comma-separated string.
    public func list(_ key: String) throws(ConfigurationError) -> [String]? {
        guard let v = values[key] else { return nil }
        switch v {
        case .string(let s): return s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        case .array(let a):
            var strings: [String] = []
            for item in a {
                guard let s = item.stringValue else { throw typeError(key, "a list of strings") }
                strings.append(s)
            }
            return strings
        default: throw typeError(key, "a list of strings")
        }
    }

    /// A list of URLs, each checked; userinfo is split off (see `EndpointURL`).
    public func endpointURLs(_ key: String) throws(ConfigurationError) -> [EndpointURL]? {
        guard let texts = try list(key) else { return nil }
        var urls: [EndpointURL] = []
        for text in texts { urls.append(try EndpointURL.parse(text, from: source(key))) }
        return urls
    }

    public func endpointURL(_ key: String) throws(ConfigurationError) -> EndpointURL? {
        guard let text = try string(key) else { return nil }
        return try EndpointURL.parse(text, from: source(key))
    }

    public func section(_ key: String) throws(ConfigurationError) -> [String: JSONValue] {
        guard let v = values[key] else { return [:] }
        if case .null = v { return [:] }
        guard case .object(let o) = v else { throw typeError(key, "a mapping") }
        return o
    }

    /// The `subjects.<name>` section, handed to the subject as its settings, with every relative path in a
    /// `*_file` or `*_files` key resolved against the config file's directory (as `tls:` paths are): the
    /// subject never learns where the file was, and the same file works from any working directory.
    public func subjectSettings(_ name: String) throws(ConfigurationError) -> JSONValue {
        resolvingPaths(try section("subjects")[name] ?? .null)
    }

    private func resolvingPaths(_ value: JSONValue) -> JSONValue {
        guard case .object(let object) = value else { return value }
        var resolved: [String: JSONValue] = [:]
        for (key, item) in object {
            switch item {
            case .string(let text) where key.hasSuffix("_file") && !text.isEmpty:
                resolved[key] = .string(resolvedPath(text))
            case .array(let items) where key.hasSuffix("_files"):
                resolved[key] = .array(items.map { element in
                    if case .string(let text) = element, !text.isEmpty { return .string(resolvedPath(text)) }
                    return element
                })
            case .object:
                resolved[key] = resolvingPaths(item)
            default:
                resolved[key] = item
            }
        }
        return .object(resolved)
    }

    private func typeError(_ key: String, _ expected: String) -> ConfigurationError {
        ConfigurationError("config file \(fileName): \"\(scoped(key))\" must be \(expected)")
    }
}
