import Foundation
import OperatorCore
import Yams

/// YAML read with limits, so a small hostile file cannot exhaust memory or the stack.
///
/// A "billion laughs" document is a dozen lines of anchors and aliases whose expansion has 10^9 nodes:
/// the composed tree shares the aliased nodes (cheap), but expanding it into plain values is not. So:
/// the document's size is capped, its nesting is bounded before the recursive composer sees it, aliases
/// may not be mapping keys (the composer hashes keys, which would walk the whole expansion), and the
/// expansion into values stops after a fixed number of nodes.
public enum BoundedYAML {
    static let maximumBytes = 1 << 20
    static let maximumNodes = 100_000
    static let maximumDepth = 128

    /// `nil` for an empty document. Errors name the file as "`document` `path`" (e.g. "config file operator.yaml").
    public static func load(_ text: String, path: String, document: String = "config file") throws(ConfigurationError)
        -> JSONValue?
    {
        let name = "\(document) \(path)"
        let bytes = text.utf8.count
        guard bytes <= maximumBytes else {
            throw ConfigurationError(
                "\(name) is \(bytes) bytes; the limit is \(maximumBytes) bytes (1 MiB). Keep it to its settings")
        }
        if nestingEstimate(text) > maximumDepth {
            throw ConfigurationError("\(name) nests more than \(maximumDepth) levels deep; flatten it")
        }
        if text.contains("&"), let line = aliasKeyLine(text) {
            throw ConfigurationError(
                "\(name), line \(line): an alias (*name) is used as a mapping key; write the key out")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError("\(name) is not valid YAML: \(error)")
        }
        guard let root else { return nil }
        var budget = maximumNodes
        return try value(of: root, budget: &budget, depth: 0, name: name)
    }

    private static func value(of node: Node, budget: inout Int, depth: Int, name: String) throws(ConfigurationError)
        -> JSONValue
    {
        budget -= 1
        guard budget >= 0 else {
            throw ConfigurationError(
                "\(name) expands to more than \(maximumNodes) values (anchors and aliases repeat each other); write the values out plainly")
        }
        guard depth <= maximumDepth else {
            throw ConfigurationError("\(name) nests more than \(maximumDepth) levels deep; flatten it")
        }
        switch node {
        case .scalar(let scalar):
            // The accessors resolve the scalar's tag (YAML core schema); a quoted scalar stays a string.
            if node.null != nil { return .null }
            if let b = node.bool { return .bool(b) }
            // Integers beyond 2^53 lose precision as Double; range checks catch absurd values. YAML 1.1's
            // base-60 integers (`1:30:00`) stay text: Yams multiplies their digits unchecked and traps.
            if !scalar.string.contains(":"), let i = node.int { return .number(Double(i)) }
            if let d = node.float { return .number(d) }
            return .string(scalar.string)
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for child in sequence {
                items.append(try value(of: child, budget: &budget, depth: depth + 1, name: name))
            }
            return .array(items)
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, child) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw ConfigurationError("\(name): mapping keys must be plain names, not lists or mappings")
                }
                object[keyScalar.string] = try value(of: child, budget: &budget, depth: depth + 1, name: name)
            }
            return .object(object)
        case .alias:
            throw ConfigurationError("\(name): an alias could not be resolved")
        }
    }

    /// An upper bound on nesting: block nesting needs indentation or a `- `/`? ` marker per level, flow
    /// nesting needs a bracket per level. Quoted text is skipped; anything else may only overestimate.
    static func nestingEstimate(_ text: String) -> Int {
        var deepest = 0
        var flow = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            var level = 0
            var chars = line.utf8[...]
            while let c = chars.first, c == UInt8(ascii: " ") {
                level += 1
                chars = chars.dropFirst()
            }
            // Compact nesting: "- - - x" or "? - x".
            while let c = chars.first, c == UInt8(ascii: "-") || c == UInt8(ascii: "?"),
                chars.dropFirst().first == UInt8(ascii: " ")
            {
                level += 2
                chars = chars.dropFirst(2)
            }
            var quote: UInt8?
            var previous = UInt8(ascii: " ")
            for c in chars {
                defer { previous = c }
                if let q = quote {
                    if c == q { quote = nil }
                    continue
                }
                switch c {
                // A quote opens a quoted scalar only where a scalar can start (not in "don't").
                case UInt8(ascii: "\""), UInt8(ascii: "'") where " [{,:".utf8.contains(previous): quote = c
                case UInt8(ascii: "["), UInt8(ascii: "{"): flow += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"): flow = max(0, flow - 1)
                default: break
                }
                deepest = max(deepest, level + flow)
            }
            deepest = max(deepest, level + flow)
        }
        return deepest
    }

    /// The first line where an alias stands in a key position (`*a: x`, `? *a`, `{*a : x}`).
    static func aliasKeyLine(_ text: String) -> Int? {
        let pattern = #"(^|[\s,{\[?])\*[^\s,\[\]{}]+\s*:(\s|$)|\?\s+\*"#
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines]) else { return nil }
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let s = String(line)
            if regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil { return number }
        }
        return nil
    }
}
