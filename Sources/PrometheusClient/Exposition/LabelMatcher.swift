/// The labels of one series: name → value. A missing label and an empty value mean the same thing, as in
/// Prometheus.
public typealias LabelSet = [String: String]

/// Selects series by one label, like a PromQL matcher (`type!="kv_gc"`, `type=~"leader|region"`).
public struct LabelMatcher: Sendable, CustomStringConvertible {
    public let name: String
    public let description: String
    private let test: @Sendable (String) -> Bool

    /// A matcher with a custom test; `description` should read like PromQL for error messages.
    public init(name: String, description: String, test: @escaping @Sendable (String) -> Bool) {
        self.name = name
        self.description = description
        self.test = test
    }

    /// Whether a series with these labels matches; an absent label counts as the empty string.
    public func matches(_ labels: LabelSet) -> Bool { test(labels[name] ?? "") }

    /// `name="value"`
    public static func equal(_ name: String, _ value: String) -> LabelMatcher {
        LabelMatcher(name: name, description: "\(name)=\"\(value)\"") { $0 == value }
    }

    /// `name!="value"`
    public static func notEqual(_ name: String, _ value: String) -> LabelMatcher {
        LabelMatcher(name: name, description: "\(name)!=\"\(value)\"") { $0 != value }
    }

    /// `name=~"a|b|c"` for a plain alternation of literal values.
    public static func oneOf(_ name: String, _ values: Set<String>) -> LabelMatcher {
        LabelMatcher(name: name, description: "\(name)=~\"\(values.sorted().joined(separator: "|"))\"") {
            values.contains($0)
        }
    }

    /// `name=~"(p1|p2).*"`: the value starts with one of the prefixes.
    public static func hasPrefix(_ name: String, anyOf prefixes: [String]) -> LabelMatcher {
        LabelMatcher(name: name, description: "\(name)=~\"(\(prefixes.joined(separator: "|"))).*\"") { value in
            prefixes.contains { value.hasPrefix($0) }
        }
    }
}

extension Array where Element == LabelMatcher {
    /// Equality matchers for every pair in a label set.
    public init(_ labels: LabelSet) {
        self = labels.sorted { $0.key < $1.key }.map { LabelMatcher.equal($0.key, $0.value) }
    }

    func matchAll(_ labels: LabelSet) -> Bool {
        allSatisfy { $0.matches(labels) }
    }
}
