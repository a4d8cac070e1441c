/// TiKV's unified log format (tikv-interfaces.md §3.1), which PD's zap logger shares:
///
///     [2024/08/07 09:44:59.054 +00:00] [INFO] [raft.rs:1228] ["became leader at term 6"] [term=6] [raft_id=49] [region_id=48]
///
/// Message, keys and values are written raw unless they contain a byte ≤ 0x20, `"`, `=`, `[` or
/// `]`; then they are JSON-string encoded. Fields are given here already in output order (record
/// fields in reverse declaration order, then the logger context such as `raft_id`, `region_id`).
enum TiKVLogFormat {
    enum Level: String, Sendable {
        case info = "INFO"
        case warn = "WARN"
        case error = "ERROR"
    }

    static func line(
        at time: SimInstant, level: Level, source: String, message: String, fields: [(String, String)] = []
    ) -> String {
        var text = "[\(GoFormat.tikvLogTimestamp(time))] [\(level.rawValue)] [\(source)] [\(escaped(message))]"
        for (key, value) in fields {
            text += " [\(escaped(key))=\(escaped(value))]"
        }
        return text
    }

    static func needsQuoting(_ text: String) -> Bool {
        text.utf8.contains { $0 <= 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "]") }
    }

    static func escaped(_ text: String) -> String {
        guard needsQuoting(text) else { return text }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// One log line for a store's or PD member's log file, due at `time` on PD's clock.
struct SimulatedLogLine: Sendable {
    enum File: Hashable, Sendable {
        case store(UInt64)
        case pd(String)

        var fileName: String {
            switch self {
            case .store(let id): return "tikv-\(id).log"
            case .pd(let name): return "pd-\(name).log"
            }
        }
    }

    let file: File
    let time: SimInstant
    let text: String
    /// Lines scheduled by a fault carry its key, so lifting the fault cancels those not yet due.
    var tag: String?

    init(
        _ file: File, at time: SimInstant, _ level: TiKVLogFormat.Level, _ source: String, _ message: String,
        _ fields: [(String, String)] = [], tag: String? = nil
    ) {
        self.file = file
        self.time = time
        self.text = TiKVLogFormat.line(at: time, level: level, source: source, message: message, fields: fields)
        self.tag = tag
    }
}
