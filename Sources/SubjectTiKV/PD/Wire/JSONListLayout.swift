import Foundation

/// Where the parts of a `{"…": …, "<list>": [e0, e1, …]}` document lie, found in one pass over the bytes
/// without building anything: the byte range of each list element and of every other member.
///
/// Only structure is checked (strings, nesting, separators); the elements themselves are left to the real
/// decoder. Returns `nil` for anything that is not such an object, so the caller falls back to decoding
/// the whole document and reports the error the usual way.
struct JSONListLayout {
    /// `"key":value` of each member other than the list, as written.
    var otherMembers: [Range<Int>] = []
    /// Their keys, as written (escapes left as they are).
    var otherKeys: Set<String> = []
    var elements: [Range<Int>] = []
    var listFound = false

    static func scan(_ bytes: UnsafeRawBufferPointer, listKey: String) -> JSONListLayout? {
        var scanner = Scanner(bytes: bytes)
        return scanner.document(listKey: Array(listKey.utf8))
    }

    private struct Scanner {
        let bytes: UnsafeRawBufferPointer
        var i = 0

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        mutating func document(listKey: [UInt8]) -> JSONListLayout? {
            var layout = JSONListLayout()
            skipSpace()
            guard take(UInt8(ascii: "{")) else { return nil }
            skipSpace()
            if take(UInt8(ascii: "}")) { return finish(layout) }
            while true {
                skipSpace()
                let memberStart = i
                guard let key = string() else { return nil }
                skipSpace()
                guard take(UInt8(ascii: ":")) else { return nil }
                skipSpace()
                if bytes[key].elementsEqual(listKey), peek == UInt8(ascii: "[") {
                    guard !layout.listFound, let elements = list() else { return nil }
                    layout.elements = elements
                    layout.listFound = true
                } else {
                    guard skipValue() else { return nil }
                    layout.otherMembers.append(memberStart..<i)
                    layout.otherKeys.insert(String(decoding: bytes[key], as: UTF8.self))
                }
                skipSpace()
                if take(UInt8(ascii: ",")) { continue }
                guard take(UInt8(ascii: "}")) else { return nil }
                return finish(layout)
            }
        }

        private mutating func finish(_ layout: JSONListLayout) -> JSONListLayout? {
            skipSpace()
            return i == bytes.count ? layout : nil
        }

        private mutating func list() -> [Range<Int>]? {
            guard take(UInt8(ascii: "[")) else { return nil }
            var ranges: [Range<Int>] = []
            skipSpace()
            if take(UInt8(ascii: "]")) { return ranges }
            while true {
                skipSpace()
                let start = i
                guard skipValue() else { return nil }
                ranges.append(start..<i)
                skipSpace()
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "]")) ? ranges : nil
            }
        }

        /// The range of a string's contents (without quotes); `i` moves past the closing quote.
        private mutating func string() -> Range<Int>? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = i
            while i < bytes.count {
                switch bytes[i] {
                case UInt8(ascii: "\""):
                    defer { i += 1 }
                    return start..<i
                case UInt8(ascii: "\\"):
                    i += 2
                default:
                    i += 1
                }
            }
            return nil
        }

        /// Moves past one value of any kind, checking only that brackets and strings close.
        private mutating func skipValue() -> Bool {
            guard let first = peek else { return false }
            switch first {
            case UInt8(ascii: "\""):
                return string() != nil
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while i < bytes.count {
                    switch bytes[i] {
                    case UInt8(ascii: "\""):
                        guard string() != nil else { return false }
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["):
                        depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                        if depth == 0 {
                            i += 1
                            return true
                        }
                    default:
                        break
                    }
                    i += 1
                }
                return false
            default:
                let start = i
                while i < bytes.count {
                    let b = bytes[i]
                    if b == UInt8(ascii: ",") || b == UInt8(ascii: "}") || b == UInt8(ascii: "]") || isSpace(b) { break }
                    i += 1
                }
                return i > start
            }
        }

        private var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

        private mutating func take(_ byte: UInt8) -> Bool {
            guard peek == byte else { return false }
            i += 1
            return true
        }

        private func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

        private mutating func skipSpace() {
            while i < bytes.count, isSpace(bytes[i]) { i += 1 }
        }
    }
}
