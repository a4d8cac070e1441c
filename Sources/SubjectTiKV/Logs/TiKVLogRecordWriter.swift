/// Writes log records the way TiKV does, in the unified text format or the JSON variant
/// (tikv-interfaces.md §3.1). Used by ``TiKVLogGenerator``; kept apart so the quoting rules live in one
/// place.
enum TiKVLogRecordWriter {
    struct Record {
        var level: String
        var source: String
        var message: String
        var fields: [(String, String)]
    }

    /// `[time] [LEVEL] [source] [message] [k=v]...`, quoting exactly what `need_json_encode` quotes.
    static func unified(_ record: Record, time: String, into out: inout String) {
        out += "["
        out += time
        out += "] ["
        out += record.level
        out += "] ["
        out += record.source
        out += "] ["
        appendEscaped(record.message, to: &out)
        out += "]"
        for (key, value) in record.fields {
            out += " ["
            appendEscaped(key, to: &out)
            out += "="
            appendEscaped(value, to: &out)
            out += "]"
        }
    }

    /// `{"time":…,"level":…,"caller":…,"message":…,<fields>}`; integer values as JSON numbers.
    static func json(_ record: Record, time: String, into out: inout String) {
        out += "{\"time\":"
        appendJSONString(time, to: &out)
        out += ",\"level\":"
        appendJSONString(record.level, to: &out)
        out += ",\"caller\":"
        appendJSONString(record.source, to: &out)
        out += ",\"message\":"
        appendJSONString(record.message, to: &out)
        for (key, value) in record.fields {
            out += ","
            appendJSONString(key, to: &out)
            out += ":"
            if isJSONInteger(value) {
                out += value
            } else {
                appendJSONString(value, to: &out)
            }
        }
        out += "}"
    }

    /// TiKV's `need_json_encode`: any byte ≤ 0x20, `"`, `=`, `[` or `]`.
    static func needsQuoting(_ text: String) -> Bool {
        if text.isEmpty { return false }
        return text.utf8.contains { $0 <= 0x20 || $0 == 0x22 || $0 == 0x3D || $0 == 0x5B || $0 == 0x5D }
    }

    static func appendEscaped(_ text: String, to out: inout String) {
        if needsQuoting(text) {
            appendJSONString(text, to: &out)
        } else {
            out += text
        }
    }

    /// serde_json's string form: `"` and `\` escaped, `\n \r \t \b \f`, other controls as `\u00XX`,
    /// everything else (including non-ASCII) raw.
    static func appendJSONString(_ text: String, to out: inout String) {
        out += "\""
        let utf8 = text.utf8
        var run = utf8.startIndex
        var i = run
        // Copy runs that need no escaping in one piece; multi-byte UTF-8 passes through untouched.
        while i != utf8.endIndex {
            let b = utf8[i]
            guard b < 0x20 || b == 0x22 || b == 0x5C else {
                i = utf8.index(after: i)
                continue
            }
            out += Substring(utf8[run..<i])
            switch b {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            default:
                let hex = String(b, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
            i = utf8.index(after: i)
            run = i
        }
        out += Substring(utf8[run..<i])
        out += "\""
    }

    private static func isJSONInteger(_ text: String) -> Bool {
        guard let first = text.utf8.first, text.utf8.count <= 18 else { return false }
        if first == 0x30 { return text.utf8.count == 1 }
        return text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}
