import Foundation
import OperatorCore
import Yams

/// A compose file as the compose program normalises it (`config`: variables substituted, anchors and
/// merge keys resolved), read as JSON-like values. Both compose v1 and v2 print the same shape for what is
/// read here: `services.<name>.{image, build, profiles, …}`.
public struct ComposeConfig: Sendable, Equatable {
    public var services: [String: JSONValue]

    public init(services: [String: JSONValue]) {
        self.services = services
    }

    /// Parses `config` output (YAML); `source` names it in errors.
    public static func parse(_ yaml: String, source: String) throws(ComposeError) -> ComposeConfig {
        let document: Any?
        do {
            document = try Yams.load(yaml: yaml)
        } catch {
            throw .commandFailed(command: "compose config (\(source))", status: 0, detail: "output is not YAML: \(error)")
        }
        guard let services = JSONValue(yaml: document)?["services"]?.objectValue else {
            throw .commandFailed(command: "compose config (\(source))", status: 0, detail: "output has no `services` mapping")
        }
        return ComposeConfig(services: services)
    }

    public var serviceNames: [String] { services.keys.sorted() }

    public func image(of service: String) -> String? { services[service]?["image"]?.stringValue }

    /// Services with a `build` section make their image themselves; nothing to pull.
    public func builds(_ service: String) -> Bool {
        guard let build = services[service]?["build"] else { return false }
        return build != .null
    }

    public func profiles(of service: String) -> [String] {
        services[service]?["profiles"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// A service without profiles always runs; one with profiles only when one of them is enabled.
    public func isActive(_ service: String, enabledProfiles: [String]) -> Bool {
        let own = profiles(of: service)
        return own.isEmpty || own.contains { enabledProfiles.contains($0) }
    }

    /// Images that active services pull rather than build, each with the services using it.
    public func pulledImages(enabledProfiles: [String]) -> [(image: String, services: [String])] {
        var byImage: [String: [String]] = [:]
        for service in serviceNames where isActive(service, enabledProfiles: enabledProfiles) && !builds(service) {
            if let image = image(of: service) { byImage[image, default: []].append(service) }
        }
        return byImage.keys.sorted().map { ($0, byImage[$0] ?? []) }
    }
}

extension JSONValue {
    /// Converts what Yams loads (dictionaries, arrays, scalars) into a JSON value; `nil` for anything else.
    init?(yaml value: Any?) {
        switch value {
        case nil, is NSNull:
            self = .null
        case let b as Bool:
            self = .bool(b)
        case let i as Int:
            self = .number(Double(i))
        case let d as Double:
            self = .number(d)
        case let s as String:
            self = .string(s)
        case let a as [Any]:
            self = .array(a.map { JSONValue(yaml: $0) ?? .null })
        case let m as [AnyHashable: Any]:
            var object: [String: JSONValue] = [:]
            for (key, item) in m { object["\(key.base)"] = JSONValue(yaml: item) ?? .null }
            self = .object(object)
        default:
            return nil
        }
    }
}
