import Foundation

/// Splits one line of TiKV's unified log format into its parts without copying
/// (tikv-interfaces.md §3.1):
///
///     [<YYYY/MM/DD HH:MM:SS.mmm ±HH:MM>] [<LEVEL>] [<file.rs>:<line>] [<message>] [<key>=<value>] ...
///
/// The message, keys and values are written raw unless they contain a byte ≤ 0x20, `"`, `=`, `[` or `]`;
/// then they are JSON strings (serde_json: `\"`, `\\`, `\n`…, `\u00XX` for other control bytes, other
/// Unicode raw). So a raw token ends at the first `]` (or `=` for a key) and a quoted token at the first
/// unescaped `"`. The source is `[<unknown>]` when absent.
struct UnifiedLogScanner {
    /// One message, key or value, still in the line's bytes.
    struct Token {
        var range: Range<Int>
        var quoted: Bool
        /// A quoted token with a backslash escape: it needs decoding, not just copying.
        var escaped: Bool
    }

    struct Header {
        var time: Range<Int>
        var level: Range<Int>
        var source: Range<Int>
        var message: Token
        /// Where the first field starts.
        var fieldsStart: Int
    }

    struct Field {
        var key: Token
        var value: Token
    }

    let bytes: UnsafeBufferPointer<UInt8>

    /// Why a line is not in the format; the reason names the part and the byte column.
    struct SyntaxError: Error {
        var reason: String
    }

    /// The part being read, spelled out only when an error names it.
    enum Part: CustomStringConvertible {
        case timestamp, level, source, message
        case field(Int), fieldKey(Int), fieldValue(Int)

        var description: String {
            switch self {
            case .timestamp: "timestamp"
            case .level: "level"
            case .source: "source"
            case .message: "message"
            case .field(let n): "field \(n)"
            case .fieldKey(let n): "key of field \(n)"
            case .fieldValue(let n): "value of field \(n)"
            }
        }
    }

    func header() throws(SyntaxError) -> Header {
        var i = 0
        let time = try bracketedRaw(at: &i, part: .timestamp)
        try space(at: &i, before: .level)
        let level = try bracketedRaw(at: &i, part: .level)
        try space(at: &i, before: .source)
        let source = try bracketedRaw(at: &i, part: .source)
        try space(at: &i, before: .message)
        guard i < bytes.count, bytes[i] == UInt8(ascii: "[") else {
            throw SyntaxError(reason: "expected '[' opening the message at column \(i + 1)")
        }
        i += 1
        let message = try token(at: &i, rawStop: UInt8(ascii: "]"), part: .message)
        try close(at: &i, part: .message)
        return Header(time: time, level: level, source: source, message: message, fieldsStart: i)
    }

    /// Walks the `[key=value]` fields after the message, calling `body` for each; stops at the first
    /// syntax error. Trailing spaces are allowed.
    func forEachField(from start: Int, _ body: (Field) -> Void) throws(SyntaxError) {
        var i = start
        var index = 0
        while true {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
            if i == bytes.count { return }
            index += 1
            guard bytes[i] == UInt8(ascii: "[") else {
                throw SyntaxError(reason: "expected '[' opening \(Part.field(index)) at column \(i + 1)")
            }
            i += 1
            let key = try token(at: &i, rawStop: UInt8(ascii: "="), part: .fieldKey(index))
            guard !key.range.isEmpty || key.quoted else {
                throw SyntaxError(reason: "\(Part.field(index)) at column \(i) has an empty key")
            }
            guard i < bytes.count else { throw truncated(.field(index)) }
            guard bytes[i] == UInt8(ascii: "=") else {
                throw SyntaxError(reason: "expected '=' after the \(Part.fieldKey(index)) at column \(i + 1)")
            }
            i += 1
            let value = try token(at: &i, rawStop: UInt8(ascii: "]"), part: .fieldValue(index))
            try close(at: &i, part: .field(index))
            body(Field(key: key, value: value))
        }
    }

    /// The bytes of a token, decoded when quoted. `nil` when a quoted token holds an invalid escape.
    func string(_ token: Token) -> String? {
        let slice = UnsafeBufferPointer(rebasing: bytes[token.range])
        guard token.escaped else { return String(decoding: slice, as: UTF8.self) }
        return JSONStringUnescaper.unescape(slice)
    }

    /// Whether a quoted token's escapes are all valid, decoded into scratch memory (no text built).
    func isValidEscape(_ token: Token) -> Bool {
        guard token.escaped else { return true }
        let slice = UnsafeBufferPointer(rebasing: bytes[token.range])
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(1, slice.count)) {
            JSONStringUnescaper.unescape(slice, into: $0) != nil
        }
    }

    /// Whether a token's text equals `literal` (for raw keys: no decoding needed).
    func token(_ token: Token, equals literal: StaticString) -> Bool {
        guard !token.escaped, token.range.count == literal.utf8CodeUnitCount else { return false }
        let lit = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        var k = 0
        for j in token.range {
            if bytes[j] != lit[k] { return false }
            k += 1
        }
        return true
    }

    // MARK: - Pieces

    private func bracketedRaw(at i: inout Int, part: Part) throws(SyntaxError) -> Range<Int> {
        guard i < bytes.count else { throw truncated(part) }
        guard bytes[i] == UInt8(ascii: "[") else {
            throw SyntaxError(reason: "expected '[' opening the \(part) at column \(i + 1)")
        }
        i += 1
        let start = i
        guard let close = find(UInt8(ascii: "]"), from: start) else { throw truncated(part) }
        i = close + 1
        return start..<close
    }

    private func space(at i: inout Int, before part: Part) throws(SyntaxError) {
        guard i < bytes.count else { throw truncated(part) }
        guard bytes[i] == 0x20 else {
            throw SyntaxError(reason: "expected a space before the \(part) at column \(i + 1)")
        }
        i += 1
    }

    private func close(at i: inout Int, part: Part) throws(SyntaxError) {
        guard i < bytes.count else { throw truncated(part) }
        guard bytes[i] == UInt8(ascii: "]") else {
            throw SyntaxError(reason: "expected ']' closing the \(part) at column \(i + 1)")
        }
        i += 1
    }

    /// A quoted JSON string (ending at its unescaped closing quote) or raw bytes up to `rawStop` or `]`.
    private func token(at i: inout Int, rawStop: UInt8, part: Part) throws(SyntaxError) -> Token {
        guard i < bytes.count else { throw truncated(part) }
        if bytes[i] == UInt8(ascii: "\"") {
            let start = i + 1
            // Quoted values can be long (configurations, gRPC errors): memchr from quote to quote. A quote
            // closes the token unless an odd run of backslashes ends right before it (`\\` is an escaped
            // backslash), which is what walking the escapes one by one decides.
            var closing: Int?
            var from = start
            while let quote = find(UInt8(ascii: "\""), from: from) {
                var run = 0
                while quote - run - 1 >= start, bytes[quote - run - 1] == UInt8(ascii: "\\") { run += 1 }
                if run % 2 == 0 {
                    closing = quote
                    break
                }
                from = quote + 1
            }
            guard let closing else {
                i = bytes.count
                throw truncated(part, quoted: true)
            }
            i = closing + 1
            let escaped = find(UInt8(ascii: "\\"), from: start, before: closing) != nil
            return Token(range: start..<closing, quoted: true, escaped: escaped)
        }
        let start = i
        while i < bytes.count, bytes[i] != rawStop, bytes[i] != UInt8(ascii: "]") { i += 1 }
        return Token(range: start..<i, quoted: false, escaped: false)
    }

    /// The first `byte` at or after `start` (and before `end`), by memchr.
    private func find(_ byte: UInt8, from start: Int, before end: Int? = nil) -> Int? {
        let end = end ?? bytes.count
        guard start < end, let base = bytes.baseAddress,
            let found = memchr(base + start, Int32(byte), end - start)
        else { return nil }
        return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
    }

    private func truncated(_ part: Part, quoted: Bool = false) -> SyntaxError {
        let what = quoted ? "quoted \(part) (no closing '\"')" : "\(part)"
        return SyntaxError(reason: "line ends inside the \(what); truncated line?")
    }
}
