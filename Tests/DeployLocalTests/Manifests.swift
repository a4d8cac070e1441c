import Foundation
import OperatorConfiguration
import Testing
import Yams

/// Reading Kubernetes manifests for the tests: YAML documents as plain dictionaries, and the few paths
/// into a Deployment the checks need.
enum Manifests {
    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    /// The one document of a manifest file under the repository root.
    static func object(at relative: String) throws -> [String: Any] {
        let text = try String(contentsOfFile: StackTestSupport.path(relative), encoding: .utf8)
        let documents = try documents(text)
        guard documents.count == 1, let only = documents.first else {
            throw Missing(description: "\(relative) holds \(documents.count) documents, expected one")
        }
        return only
    }

    /// Every non-empty document of a YAML stream (`---` separated), as kubectl writes them.
    static func documents(_ text: String) throws -> [[String: Any]] {
        var out: [[String: Any]] = []
        var sequence = try Yams.load_all(yaml: text)
        while let document = sequence.next() {
            if let object = document as? [String: Any] { out.append(object) }
        }
        // The sequence ends quietly at a parse error and keeps it.
        if let error = sequence.error { throw error }
        return out
    }

    /// Every `.yaml` file under `relative`, repository-relative, sorted.
    static func files(under relative: String) throws -> [String] {
        let root = StackTestSupport.path(relative)
        let names = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String]) ?? []
        let files = names.filter { $0.hasSuffix(".yaml") }.sorted().map { "\(relative)/\($0)" }
        guard !files.isEmpty else { throw Missing(description: "no manifests under \(relative)") }
        return files
    }

    static func podSpec(_ workload: [String: Any]) throws -> [String: Any] {
        guard let pod = ((workload["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any] else {
            throw Missing(description: "no spec.template.spec")
        }
        return pod
    }

    /// The one container of the pod.
    static func container(_ workload: [String: Any]) throws -> [String: Any] {
        guard let containers = try podSpec(workload)["containers"] as? [[String: Any]], containers.count == 1, let only = containers.first else {
            throw Missing(description: "expected one container")
        }
        return only
    }

    static func podLabels(of workload: [String: Any]) -> [String: String]? {
        ((workload["spec"] as? [String: Any])?["template"] as? [String: Any]).flatMap { ($0["metadata"] as? [String: Any])?["labels"] as? [String: String] }
    }

    /// A Service's `spec.selector` or a selector's `matchLabels`.
    static func selector(of object: [String: Any]) -> [String: String]? {
        let selector = (object["spec"] as? [String: Any])?["selector"] as? [String: Any]
        return (selector?["matchLabels"] as? [String: String]) ?? (selector as? [String: String])
    }

    /// A probe's or Service's port, by number or by the container port's name.
    static func port(named reference: Any?, in container: [String: Any]) throws -> Int {
        if let number = reference as? Int { return number }
        let ports = container["ports"] as? [[String: Any]] ?? []
        guard let name = reference as? String, let port = ports.first(where: { $0["name"] as? String == name })?["containerPort"] as? Int else {
            throw Missing(description: "no container port named \(reference ?? "nil")")
        }
        return port
    }

    /// `--name=value` or `--name value`.
    static func option(_ name: String, in arguments: [String]) -> String? {
        for (index, argument) in arguments.enumerated() {
            if argument.hasPrefix(name + "=") { return String(argument.dropFirst(name.count + 1)) }
            if argument == name, index + 1 < arguments.count { return arguments[index + 1] }
        }
        return nil
    }

    /// The files of every mounted Secret, as the container sees them (`mountPath/path` of each item).
    static func secretMounts(of workload: [String: Any]) -> Set<String> {
        guard let pod = try? podSpec(workload), let container = try? container(workload) else { return [] }
        let volumes = pod["volumes"] as? [[String: Any]] ?? []
        var files: Set<String> = []
        for mount in container["volumeMounts"] as? [[String: Any]] ?? [] {
            guard let path = mount["mountPath"] as? String,
                let secret = volumes.first(where: { $0["name"] as? String == mount["name"] as? String })?["secret"] as? [String: Any]
            else { continue }
            for item in secret["items"] as? [[String: Any]] ?? [] {
                if let file = item["path"] as? String { files.insert("\(path)/\(file)") }
            }
        }
        return files
    }

    /// The operator.yaml the container reads at `path`: the ConfigMap key mounted there (a subPath mount of
    /// the ConfigMap's volume), parsed by the real parser.
    static func operatorYAML(in configMap: [String: Any], mountedAt path: String, by workload: [String: Any]) throws -> OperatorConfigFile {
        let pod = try podSpec(workload)
        let mounts = try container(workload)["volumeMounts"] as? [[String: Any]] ?? []
        guard let mount = mounts.first(where: { $0["mountPath"] as? String == path }), let key = mount["subPath"] as? String else {
            throw Missing(description: "nothing is mounted at \(path) (the --config path)")
        }
        let volume = (pod["volumes"] as? [[String: Any]])?.first { $0["name"] as? String == mount["name"] as? String }
        let configMapName = (volume?["configMap"] as? [String: Any])?["name"] as? String
        guard configMapName == (configMap["metadata"] as? [String: Any])?["name"] as? String else {
            throw Missing(description: "\(path) is not mounted from the ConfigMap \(String(describing: configMap["metadata"]))")
        }
        guard let text = (configMap["data"] as? [String: String])?[key] else {
            throw Missing(description: "the ConfigMap has no key \(key)")
        }
        return try OperatorConfigFile.parse(text, path: "ConfigMap \(configMapName ?? "?") \(key)")
    }

    /// Every scalar of a document with its path (`spec.template.spec.containers[0].env[1].name`).
    static func leaves(_ value: Any, path: String = "") -> [(String, Any)] {
        if let object = value as? [String: Any] {
            return object.sorted { $0.key < $1.key }.flatMap { leaves($0.value, path: path.isEmpty ? $0.key : "\(path).\($0.key)") }
        }
        if let array = value as? [Any] {
            return array.enumerated().flatMap { leaves($0.element, path: "\(path)[\($0.offset)]") }
        }
        return [(path, value)]
    }

    /// Environment variable names that carry secrets.
    static func looksSecret(_ name: String) -> Bool {
        let upper = name.uppercased()
        return ["KEY", "TOKEN", "PASSWORD", "SECRET", "PGPASS"].contains { upper.contains($0) }
    }
}
