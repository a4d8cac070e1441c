import Foundation
import OperatorCore
import Yams

/// `operator.yaml`: the same settings as the flags, for a deployment that should not repeat them.
///
/// ```yaml
/// subject: tikv
/// endpoints: [http://pd0:2379]
/// prometheus: http://prometheus:9090
/// db: /var/lib/operator/operator.db
/// interval: 5s
/// resolve_after: 3
/// flapping: { threshold: 3, window: 30m, settle: 5m }
/// metrics_port: 9464
/// diagnosis: { diagnoser: offline }
/// subjects:
///   tikv: { latency_p99_seconds: 0.5 }
/// ```
/// Flags win over environment variables, which win over this file. Unknown keys are errors: a typo in a
/// threshold should not silently fall back to a default.
struct OperatorConfigFile: Sendable {
    static let knownKeys: Set<String> = [
        "subject", "endpoints", "prometheus", "db", "interval", "tick_timeout", "resolve_after", "metrics_port",
        "log_level", "diagnosis", "subjects", "flapping",
    ]

    var path: String?
    var values: [String: JSONValue] = [:]

    static let empty = OperatorConfigFile()

    /// Reads `explicitPath`, else `$OPERATOR_CONFIG`, else `./operator.yaml` when it exists.
    static func load(explicitPath: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> OperatorConfigFile
    {
        let chosen = explicitPath ?? environment["OPERATOR_CONFIG"]
        let path: String
        if let chosen {
            path = chosen
        } else if FileManager.default.fileExists(atPath: "operator.yaml") {
            path = "operator.yaml"
        } else {
            return .empty
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CLIFailure("cannot read config file \(path); check the path given with --config or OPERATOR_CONFIG", exitCode: 2)
        }
        return try parse(text, path: path)
    }

    static func parse(_ text: String, path: String) throws -> OperatorConfigFile {
        let loaded: Any?
        do {
            loaded = try Yams.load(yaml: text)
        } catch {
            throw CLIFailure("config file \(path) is not valid YAML: \(error)", exitCode: 2)
        }
        guard let loaded else { return OperatorConfigFile(path: path) }
        guard case .object(let object) = json(from: loaded) else {
            throw CLIFailure("config file \(path) must be a mapping of settings (subject:, endpoints:, ...)", exitCode: 2)
        }
        if let unknown = object.keys.filter({ !knownKeys.contains($0) }).sorted().first {
            throw CLIFailure(
                "config file \(path): unknown setting \"\(unknown)\"; known settings: \(knownKeys.sorted().joined(separator: ", "))",
                exitCode: 2)
        }
        return OperatorConfigFile(path: path, values: object)
    }

    private static func json(from value: Any) -> JSONValue {
        switch value {
        case let b as Bool: return .bool(b)
        case let i as Int: return .number(Double(i))
        case let d as Double: return .number(d)
        case let s as String: return .string(s)
        case let a as [Any]: return .array(a.map(json(from:)))
        case let o as [String: Any]: return .object(o.mapValues(json(from:)))
        case let o as [AnyHashable: Any]:
            return .object(Dictionary(uniqueKeysWithValues: o.map { ("\($0.key)", json(from: $0.value)) }))
        default: return .null
        }
    }

    // MARK: - Typed access

    func string(_ key: String) throws -> String? {
        guard let v = values[key] else { return nil }
        switch v {
        case .string(let s): return s
        case .number(let n): return n == n.rounded() ? String(Int64(n)) : String(n)
        case .null: return nil
        default: throw typeError(key, "a string")
        }
    }

    func int(_ key: String) throws -> Int? {
        guard let v = values[key] else { return nil }
        if case .number(let n) = v, n == n.rounded() { return Int(n) }
        if case .string(let s) = v, let i = Int(s) { return i }
        throw typeError(key, "a whole number")
    }

    /// A list written as a YAML sequence or as one comma-separated string.
    func list(_ key: String) throws -> [String]? {
        guard let v = values[key] else { return nil }
        switch v {
        case .string(let s): return s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        case .array(let a):
            return try a.map {
                guard let s = $0.stringValue else { throw typeError(key, "a list of strings") }
                return s
            }
        default: throw typeError(key, "a list of strings")
        }
    }

    func section(_ key: String) throws -> [String: JSONValue] {
        guard let v = values[key] else { return [:] }
        guard case .object(let o) = v else { throw typeError(key, "a mapping") }
        return o
    }

    /// The `subjects.<name>` section, handed to the subject as its settings.
    func subjectSettings(_ name: String) throws -> JSONValue {
        try section("subjects")[name] ?? .null
    }

    private func typeError(_ key: String, _ expected: String) -> CLIFailure {
        CLIFailure("config file \(path ?? "operator.yaml"): \"\(key)\" must be \(expected)", exitCode: 2)
    }
}
