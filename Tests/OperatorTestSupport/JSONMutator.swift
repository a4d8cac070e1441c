import Foundation

/// Deterministic mutations of a JSON document, for tests that feed decoders what a broken or hostile
/// server might send: numbers at the edges (1e20, -1e20, huge integers, `"NaN"` strings), type swaps,
/// deleted keys, emptied containers, and truncated text.
public struct JSONMutator {
    public var random: SeededRandom

    public init(seed: UInt64) {
        random = SeededRandom(seed: seed)
    }

    /// Literal JSON spliced in place of a value; some are not representable by `JSONSerialization`.
    static let rawValues = [
        "1e20", "-1e20", "1e400", "-1e400", "18446744073709551616", "99999999999999999999999999", "-1",
        "-9223372036854775809", "9223372036854775807", "0", "-0.0", "0.5", "1.7976931348623157e308", "\"NaN\"",
        "\"+Inf\"", "\"-Inf\"", "\"1e20\"", "\"-1\"", "\"1e400GiB\"", "\"-5GiB\"", "\"999999999999999999h\"",
        "\"-1000000000000000h\"", "\"2024-13-45T99:99:99Z\"", "\"99999-01-01T00:00:00Z\"", "\"\"", "true", "null",
        "[]", "{}", "[1e20]", "{\"\":1e20}", "\"\\u0000\"",
    ]

    /// One mutated document. Never the original text (at least one mutation is applied).
    public mutating func mutate(_ text: String) -> String {
        guard let data = text.data(using: .utf8),
            var tree = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        else { return truncate(text) }
        var raws: [String] = []
        let mutations = 1 + Int.random(in: 0..<3, using: &random)
        for _ in 0..<mutations { tree = mutateNode(tree, depth: 0, raws: &raws) }
        guard JSONSerialization.isValidJSONObject(tree) || tree is String || tree is NSNumber || tree is NSNull,
            let out = try? JSONSerialization.data(withJSONObject: tree, options: [.fragmentsAllowed, .sortedKeys])
        else { return truncate(text) }
        var result = String(decoding: out, as: UTF8.self)
        for (i, raw) in raws.enumerated() { result = result.replacingOccurrences(of: "\"@@RAW\(i)@@\"", with: raw) }
        return random.chance(0.1) ? truncate(result) : result
    }

    mutating func truncate(_ text: String) -> String {
        guard !text.isEmpty else { return "{" }
        return String(text.prefix(Int.random(in: 0..<text.count, using: &random)))
    }

    /// Walks to a random node and replaces, deletes or swaps it.
    mutating func mutateNode(_ node: Any, depth: Int, raws: inout [String]) -> Any {
        if let object = node as? [String: Any], !object.isEmpty, depth < 12, random.chance(0.8) {
            var copy = object
            let key = random.pick(object.keys.sorted())
            if random.chance(0.1) {
                copy[key] = nil  // deleted field
            } else {
                copy[key] = mutateNode(object[key] as Any, depth: depth + 1, raws: &raws)
            }
            return copy
        }
        if let array = node as? [Any], !array.isEmpty, depth < 12, random.chance(0.8) {
            var copy = array
            let i = Int.random(in: 0..<array.count, using: &random)
            if random.chance(0.1) {
                copy.remove(at: i)
            } else if random.chance(0.05) {
                copy.append(contentsOf: copy)  // duplicates: same ids twice
            } else {
                copy[i] = mutateNode(array[i], depth: depth + 1, raws: &raws)
            }
            return copy
        }
        return replacement(for: node, raws: &raws)
    }

    mutating func replacement(for node: Any, raws: inout [String]) -> Any {
        switch Int.random(in: 0..<10, using: &random) {
        case 0..<6:
            raws.append(random.pick(Self.rawValues))
            return "@@RAW\(raws.count - 1)@@"
        case 6: return node is String ? (Int.random(in: -5..<5, using: &random) as Any) : ("\(node)" as Any)  // type swap
        case 7: return [node]
        case 8: return NSNull()
        default:
            // A number nudged to an edge of its own scale: negative, or multiplied out of range.
            if let n = node as? NSNumber {  // booleans too: a bool where a number belongs is a fine mutation
                return random.chance(0.5) ? -n.doubleValue : n.doubleValue * 1e18
            }
            return ""
        }
    }
}

/// The same for the Prometheus text format: sample values replaced by extremes, lines dropped or cut.
public struct MetricsPageMutator {
    public var random: SeededRandom

    public init(seed: UInt64) {
        random = SeededRandom(seed: seed)
    }

    static let values = [
        "1e20", "-1e20", "+Inf", "-Inf", "NaN", "1e400", "-1", "0", "18446744073709551616", "9.3e18", "-0", "garbage", "",
    ]

    public mutating func mutate(_ page: String) -> String {
        var lines = page.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let sampleLines = lines.indices.filter { !lines[$0].hasPrefix("#") && !lines[$0].isEmpty }
        guard !sampleLines.isEmpty else { return page }
        for _ in 0..<(1 + Int.random(in: 0..<4, using: &random)) {
            let i = random.pick(sampleLines)
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<7:
                // Replace the value (the last field; no timestamps on these pages).
                if let space = lines[i].lastIndex(of: " ") {
                    lines[i] = String(lines[i][..<space]) + " " + random.pick(Self.values)
                }
            case 7: lines[i] = ""
            case 8: lines[i] = String(lines[i].prefix(Int.random(in: 0...lines[i].count, using: &random)))
            default: lines.append(lines[i])  // the same series twice
            }
        }
        return lines.joined(separator: "\n")
    }
}
