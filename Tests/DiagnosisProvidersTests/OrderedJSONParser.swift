import DiagnosisProviders
import Foundation
import OperatorCore

/// Parses JSON text keeping each object's key order, as a grammar-building server reads a schema
/// (`JSONDecoder` forgets the order, which is the very thing these doubles must see).
struct OrderedJSONParser {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let bytes: [UInt8]
    private var i = 0

    static func parse(_ text: String) throws -> OrderedJSON {
        var p = OrderedJSONParser(bytes: Array(text.utf8))
        let value = try p.value()
        p.skipSpace()
        guard p.i == p.bytes.count else { throw Failure(description: "trailing text at byte \(p.i)") }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private mutating func skipSpace() {
        while i < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[i]) { i += 1 }
    }

    private mutating func value() throws -> OrderedJSON {
        skipSpace()
        guard i < bytes.count else { throw Failure(description: "unexpected end") }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var pairs: [(key: String, value: OrderedJSON)] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
            while true {
                skipSpace()
                let key = try string()
                skipSpace()
                try expect(":")
                pairs.append((key, try value()))
                skipSpace()
                if try endOf("}") { return .object(pairs) }
            }
        case UInt8(ascii: "["):
            i += 1
            var items: [OrderedJSON] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                items.append(try value())
                skipSpace()
                if try endOf("]") { return .array(items) }
            }
        case UInt8(ascii: "\""):
            return .value(.string(try string()))
        default:
            // A scalar: let the standard decoder read the token.
            let start = i
            while i < bytes.count, !",}] \n\r\t".utf8.contains(bytes[i]) { i += 1 }
            let token = Data(bytes[start..<i])
            guard let scalar = try? JSONDecoder().decode(JSONValue.self, from: token) else {
                throw Failure(description: "bad token at byte \(start)")
            }
            return .value(scalar)
        }
    }

    private mutating func string() throws -> String {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw Failure(description: "expected a string at byte \(i)") }
        let start = i
        i += 1
        while i < bytes.count, bytes[i] != UInt8(ascii: "\"") { i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1 }
        guard i < bytes.count else { throw Failure(description: "unterminated string") }
        i += 1
        return try JSONDecoder().decode(String.self, from: Data(bytes[start..<i]))
    }

    private mutating func expect(_ c: Character) throws {
        guard i < bytes.count, bytes[i] == c.asciiValue else { throw Failure(description: "expected \(c) at byte \(i)") }
        i += 1
    }

    /// After an item: `,` continues, `close` ends.
    private mutating func endOf(_ close: Character) throws -> Bool {
        guard i < bytes.count else { throw Failure(description: "unexpected end") }
        if bytes[i] == UInt8(ascii: ",") { i += 1; return false }
        try expect(close)
        return true
    }
}
