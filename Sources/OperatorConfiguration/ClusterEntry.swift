import Foundation
import OperatorCore

/// One cluster an operator watches: an entry of `clusters:` in operator.yaml, or the single cluster the
/// top-level keys describe (named `default`).
///
/// ```yaml
/// db: /var/lib/operator/operator.db
/// interval: 5s                                   # every cluster's, unless the entry sets its own
/// clusters:
///   - name: prod-east
///     subject: tikv
///     endpoints: [http://pd0.east:2379]
///     prometheus: http://prometheus.east:9090
///     tikv: { latency_p99_seconds: 0.5 }         # the subject's settings (or subjects: {tikv: {...}})
///   - name: config-store
///     subject: etcd
///     endpoints: [http://10.0.0.5:2379]
///     interval: 2s
/// ```
public struct ClusterEntry: Sendable {
    public var name: String
    public var subject: String?
    public var endpoints: [EndpointURL]?
    public var prometheus: EndpointURL?
    public var interval: Duration?
    /// The settings this cluster runs with: its own keys over the top-level ones, read as a whole config file
    /// (so code that reads settings from an `OperatorConfigFile` works per cluster unchanged). Errors in
    /// the entry's own keys name it: `"clusters[prod-east].interval" in config file operator.yaml`.
    public var file: OperatorConfigFile

    public init(
        name: String, subject: String?, endpoints: [EndpointURL]?, prometheus: EndpointURL?, interval: Duration?,
        file: OperatorConfigFile
    ) {
        self.name = name
        self.subject = subject
        self.endpoints = endpoints
        self.prometheus = prometheus
        self.interval = interval
        self.file = file
    }
}

extension OperatorConfigFile {
    /// Keys an entry of `clusters:` may hold besides its subject's settings (a key named after its subject).
    public static let clusterEntryKeys: Set<String> = [
        "name", "subject", "endpoints", "prometheus", "interval", "tick_timeout", "resolve_after", "degraded_after",
        "flapping", "subjects", "diagnosis", "tls",
    ]

    /// Keys that say which cluster to watch: with a `clusters:` list they belong in its entries.
    static let clusterIdentityKeys = ["subject", "endpoints", "prometheus"]

    /// The clusters this file describes: the `clusters:` entries, or, without that list, one cluster named
    /// `default` made of the top-level keys (today's single-cluster files keep working unchanged).
    public func clusters() throws(ConfigurationError) -> [ClusterEntry] {
        guard let list = values["clusters"] else {
            return [
                ClusterEntry(
                    name: ClusterName.default, subject: try string("subject"), endpoints: try endpointURLs("endpoints"),
                    prometheus: try prometheusEndpoint()?.url, interval: try duration(SettingLimits.interval), file: self)
            ]
        }
        let mixed = Self.clusterIdentityKeys.filter { values[$0] != nil }
        if !mixed.isEmpty {
            throw ConfigurationError(
                "config file \(fileName): top-level \(mixed.map { "\"\($0)\"" }.joined(separator: ", ")) cannot be combined with a \"clusters\" list; move \(mixed.count == 1 ? "it" : "them") into each entry of \"clusters\" (or drop \"clusters\" to watch one cluster)")
        }
        guard case .array(let items) = list, !items.isEmpty else {
            throw ConfigurationError(
                "config file \(fileName): \"clusters\" must be a non-empty list of clusters, each with name:, subject: and endpoints:")
        }
        var entries: [ClusterEntry] = []
        var seen: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let entry = try clusterEntry(item, index: index)
            if let first = seen[entry.name] {
                throw ConfigurationError(
                    "config file \(fileName): clusters[\(index)] has the name \"\(entry.name)\" of clusters[\(first)]; each cluster needs its own name")
            }
            seen[entry.name] = index
            entries.append(entry)
        }
        return entries
    }

    /// The entry named `name`; an unknown name is an error listing the configured ones.
    public func cluster(named name: String) throws(ConfigurationError) -> ClusterEntry {
        let all = try clusters()
        guard let entry = all.first(where: { $0.name == name }) else {
            guard values["clusters"] != nil else {
                throw ConfigurationError(
                    "unknown cluster \"\(name)\": \(fileName) has no \"clusters\" list, so its one cluster is \"default\"; pass --cluster default, or list clusters under \"clusters\"")
            }
            throw ConfigurationError(
                "unknown cluster \"\(name)\": \(fileName) configures \(all.map { "\"\($0.name)\"" }.joined(separator: ", ")); pass one of those to --cluster")
        }
        return entry
    }

    private func clusterEntry(_ item: JSONValue, index: Int) throws(ConfigurationError) -> ClusterEntry {
        guard case .object(let object) = item else {
            throw ConfigurationError(
                "config file \(fileName): clusters[\(index)] must be a mapping (name:, subject:, endpoints:, ...)")
        }
        guard let nameValue = object["name"] else {
            throw ConfigurationError("config file \(fileName): clusters[\(index)] has no \"name\"; give it one such as prod-east")
        }
        guard let name = nameValue.stringValue, ClusterName.isValid(name) else {
            throw ConfigurationError(
                "config file \(fileName): clusters[\(index)] name \(Self.show(nameValue)) is not a cluster name; use 1 to 63 of a-z, 0-9 and - (\(ClusterName.allowedCharacters)), e.g. prod-east")
        }
        let label = "clusters[\(name)]"
        guard let subjectValue = object["subject"] else {
            throw ConfigurationError("config file \(fileName): \(label) has no \"subject\"; name the kind of cluster (see `operator subjects`)")
        }
        guard let subject = subjectValue.stringValue, !subject.isEmpty else {
            throw ConfigurationError("config file \(fileName): \"\(label).subject\" must be a subject name (see `operator subjects`)")
        }
        if let unknown = object.keys.filter({ !Self.clusterEntryKeys.contains($0) && $0 != subject }).sorted().first {
            throw ConfigurationError(
                "config file \(fileName): \(label): unknown setting \"\(unknown)\"; an entry of \"clusters\" knows \(Self.clusterEntryKeys.sorted().joined(separator: ", ")) and its subject's settings under \"\(subject)\"")
        }
        // Its own keys over the top-level ones; `clusters` itself and the name are not settings.
        var merged = values
        merged["clusters"] = nil
        for (key, value) in object where key != "name" && key != subject { merged[key] = value }
        if let settings = object[subject] {
            if case .object(let own) = object["subjects"] ?? .null, own[subject] != nil {
                throw ConfigurationError(
                    "config file \(fileName): \(label) sets \(subject)'s settings twice, under \"\(subject)\" and under \"subjects.\(subject)\"; keep one")
            }
            var subjects: [String: JSONValue] = [:]
            if case .object(let inherited) = merged["subjects"] ?? .null { subjects = inherited }
            subjects[subject] = settings
            merged["subjects"] = .object(subjects)
        }
        var file = OperatorConfigFile(path: path, values: merged)
        file.scope = label
        try file.validate()
        return ClusterEntry(
            name: name, subject: subject, endpoints: try file.endpointURLs("endpoints"),
            prometheus: try file.prometheusEndpoint()?.url, interval: try file.duration(SettingLimits.interval), file: file)
    }

    private static func show(_ value: JSONValue) -> String {
        if let text = value.stringValue { return "\"\(text)\"" }
        return (try? String(decoding: JSONEncoder.operatorEncoder.encode(value), as: UTF8.self)) ?? "(not text)"
    }
}
