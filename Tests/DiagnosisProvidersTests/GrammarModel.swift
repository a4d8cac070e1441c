import DiagnosisProviders
import Foundation
import OperatorCore

/// What a small model writes under a server that enforces the response schema as a grammar (llama.cpp,
/// vLLM, Ollama): properties in the schema's order, enums kept inside the enum, strings cut at
/// `maxLength`, and arrays filled by repeating their items — a repetitive model never closes an array by
/// itself, so only `maxItems` (or the token limit) ends it. That is the failure issue 13 saw: a schema with
/// sorted keys and no `maxItems` made the model write `alternatives` first, forever.
enum GrammarModel {
    /// An array without `maxItems` is repeated until the text is this long, then the token limit cuts it.
    static func write(schema: OrderedJSON, intended: JSONValue, characterLimit: Int) -> String {
        var out = ""
        write(schema, intended, into: &out, limit: characterLimit, root: schema)
        return out
    }

    /// A local reference (`#/$defs/name`), resolved the way llama.cpp's schema converter does; nil when it
    /// points nowhere.
    static func resolve(_ ref: String, in root: OrderedJSON) -> OrderedJSON? {
        guard ref.hasPrefix("#/") else { return nil }
        var node: OrderedJSON? = root
        for part in ref.dropFirst(2).split(separator: "/") { node = node?[String(part)] }
        return node
    }

    private static func write(_ given: OrderedJSON, _ intended: JSONValue?, into out: inout String, limit: Int, root: OrderedJSON) {
        var schema = given
        if let ref = given["$ref"]?.unordered.stringValue {
            // A reference to nothing leaves the grammar unconstrained there: any JSON value.
            guard let target = resolve(ref, in: root) else { out += (intended ?? .null).jsonText; return }
            schema = target
        }
        if let choices = schema["enum"]?.unordered.arrayValue, !choices.isEmpty {
            // (Not `flatMap { … ? v : nil }`: JSONValue takes `nil` as its own null, which would slip past the enum.)
            if let v = intended, choices.contains(v) { out += v.jsonText } else { out += choices[0].jsonText }
            return
        }
        var type = schema["type"]?.unordered.stringValue
        // A union of types (`["string", "number", "boolean"]`) is the branch the intended value is in,
        // with the schema's other keywords (llama.cpp: an `anyOf` of the schema with each type).
        if type == nil, let union = schema["type"]?.unordered.arrayValue?.compactMap(\.stringValue) {
            switch intended {
            case .string?: type = union.contains("string") ? "string" : union.first
            case .number?: type = union.contains("number") ? "number" : union.first
            default: type = nil
            }
        }
        switch type {
        case "object":
            out += "{"
            let properties = schema["properties"]
            let required = Set((schema["required"]?.unordered.arrayValue ?? []).compactMap(\.stringValue))
            var first = true
            for key in properties?.keys ?? [] {
                let value = intended?[key]
                guard value != nil || required.contains(key) else { continue }
                if !first { out += "," }
                first = false
                out += JSONValue.string(key).jsonText + ":"
                write(properties?[key] ?? ["type": "string"], value, into: &out, limit: limit, root: root)
            }
            out += "}"
        case "array":
            let items = intended?.arrayValue ?? []
            let maxItems = schema["maxItems"]?.unordered.doubleValue.flatMap { Int(exactly: $0) }
            out += "["
            if !items.isEmpty {
                var n = 0
                while n < (maxItems ?? Int.max) && out.count < limit {
                    if n > 0 { out += "," }
                    write(schema["items"] ?? ["type": "string"], items[n % items.count], into: &out, limit: limit, root: root)
                    n += 1
                }
            }
            out += "]"
        case "string":
            var s = intended?.stringValue ?? intended.map(\.jsonText) ?? ""
            if let max = schema["maxLength"]?.unordered.doubleValue.flatMap({ Int(exactly: $0) }), s.count > max { s = String(s.prefix(max)) }
            out += JSONValue.string(s).jsonText
        case "number":
            out += (intended?.doubleValue.map { JSONValue.number($0) } ?? .number(0)).jsonText
        default:
            out += (intended ?? .null).jsonText
        }
    }

    /// Tokens as the doubles count them: four characters each, rounded up.
    static func tokens(_ text: String) -> Int { (text.count + 3) / 4 }
}
