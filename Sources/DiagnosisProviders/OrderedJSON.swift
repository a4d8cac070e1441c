import Foundation
import OperatorCore

/// A JSON document whose objects keep the order their keys were written in.
///
/// A server that enforces a response schema as a grammar (llama.cpp, vLLM, Ollama) makes the model write
/// properties in the order the schema lists them. `JSONValue` encodes with sorted keys, which would make a
/// model write `alternatives` before `summary`; request bodies are therefore written with this type.
public indirect enum OrderedJSON: Sendable, Equatable {
    case value(JSONValue)
    case object([(key: String, value: OrderedJSON)])
    case array([OrderedJSON])

    public static func == (a: OrderedJSON, b: OrderedJSON) -> Bool {
        switch (a, b) {
        case (.value(let x), .value(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The keys of an object, in order (empty for anything else).
    public var keys: [String] {
        if case .object(let pairs) = self { return pairs.map(\.key) }
        return []
    }

    public subscript(key: String) -> OrderedJSON? {
        if case .object(let pairs) = self { return pairs.first { $0.key == key }?.value }
        return nil
    }

    /// The same document without key order (for checks that do not care about it).
    public var unordered: JSONValue {
        switch self {
        case .value(let v): return v
        case .array(let items): return .array(items.map(\.unordered))
        case .object(let pairs):
            var o: [String: JSONValue] = [:]
            for (k, v) in pairs { o[k] = v.unordered }
            return .object(o)
        }
    }

    /// Compact JSON text with the keys in their written order.
    public var text: String {
        var out = ""
        write(into: &out)
        return out
    }

    private func write(into out: inout String) {
        switch self {
        case .value(let v):
            out += v.jsonText
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(into: &out)
            }
            out += "]"
        case .object(let pairs):
            out += "{"
            for (i, pair) in pairs.enumerated() {
                if i > 0 { out += "," }
                out += JSONValue.string(pair.key).jsonText
                out += ":"
                pair.value.write(into: &out)
            }
            out += "}"
        }
    }
}

extension OrderedJSON: ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral, ExpressibleByStringLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral
{
    public init(dictionaryLiteral elements: (String, OrderedJSON)...) {
        self = .object(elements.map { (key: $0.0, value: $0.1) })
    }

    public init(arrayLiteral elements: OrderedJSON...) { self = .array(elements) }
    public init(stringLiteral value: String) { self = .value(.string(value)) }
    public init(integerLiteral value: Int) { self = .value(.number(Double(value))) }
    public init(floatLiteral value: Double) { self = .value(.number(value)) }
    public init(booleanLiteral value: Bool) { self = .value(.bool(value)) }

    public static func string(_ s: String) -> OrderedJSON { .value(.string(s)) }
    public static func number(_ n: Int) -> OrderedJSON { .value(.number(Double(n))) }
    public static func strings(_ items: [String]) -> OrderedJSON { .array(items.map { .value(.string($0)) }) }
}
