/// A JSON value with ordered keys, written the way PD's Go code writes it.
///
/// Foundation's `JSONEncoder` neither keeps field order nor writes Go's layout, and PD's output is
/// what clients are tested against: struct fields in declaration order, `omitempty` fields simply
/// absent, uint64 ids printed exactly, `render.JSON`'s two-space indentation for most routes and
/// easyjson's compact form for region lists (tikv-interfaces.md §1.0).
indirect enum GoJSON: Sendable {
    case object([(String, GoJSON)])
    case array([GoJSON])
    case string(String)
    case uint(UInt64)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case null

    static func int(_ value: Int) -> GoJSON { .int(Int64(value)) }

    /// `json.MarshalIndent(v, "", "  ")`, as unrolled/render does with `IndentJSON: true`.
    func indented() -> String {
        var out = ""
        write(into: &out, indent: 0, pretty: true)
        return out
    }

    /// Compact, as easyjson writes `RegionsInfo`.
    func compact() -> String {
        var out = ""
        out.reserveCapacity(256)
        write(into: &out, indent: 0, pretty: false)
        return out
    }

    private func write(into out: inout String, indent: Int, pretty: Bool) {
        switch self {
        case .object(let fields):
            if fields.isEmpty {
                out += "{}"
                return
            }
            out += "{"
            for (index, (key, value)) in fields.enumerated() {
                if index > 0 { out += "," }
                if pretty { newline(&out, indent + 1) }
                GoJSON.writeString(key, into: &out)
                out += pretty ? ": " : ":"
                value.write(into: &out, indent: indent + 1, pretty: pretty)
            }
            if pretty { newline(&out, indent) }
            out += "}"
        case .array(let items):
            if items.isEmpty {
                out += "[]"
                return
            }
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                if pretty { newline(&out, indent + 1) }
                item.write(into: &out, indent: indent + 1, pretty: pretty)
            }
            if pretty { newline(&out, indent) }
            out += "]"
        case .string(let text):
            GoJSON.writeString(text, into: &out)
        case .uint(let value):
            out += String(value)
        case .int(let value):
            out += String(value)
        case .double(let value):
            // Go never emits NaN or Inf (it fails instead); the simulator never produces them.
            out += value.isFinite ? GoFormat.number(value) : "0"
        case .bool(let value):
            out += value ? "true" : "false"
        case .null:
            out += "null"
        }
    }

    private func newline(_ out: inout String, _ level: Int) {
        out += "\n"
        out += String(repeating: "  ", count: level)
    }

    /// Go escapes `<`, `>` and `&` as well as control characters (HTML-safe encoding).
    static func writeString(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

/// Builds an object's fields in order, leaving out `omitempty` fields whose value is the zero value.
struct GoObject {
    private(set) var fields: [(String, GoJSON)] = []

    mutating func add(_ key: String, _ value: GoJSON) {
        fields.append((key, value))
    }

    mutating func add(_ key: String, _ value: String, omitEmpty: Bool = false) {
        if omitEmpty, value.isEmpty { return }
        fields.append((key, .string(value)))
    }

    mutating func add(_ key: String, _ value: UInt64, omitEmpty: Bool = false) {
        if omitEmpty, value == 0 { return }
        fields.append((key, .uint(value)))
    }

    mutating func add(_ key: String, _ value: Int64, omitEmpty: Bool = false) {
        if omitEmpty, value == 0 { return }
        fields.append((key, .int(value)))
    }

    mutating func add(_ key: String, _ value: Int, omitEmpty: Bool = false) {
        add(key, Int64(value), omitEmpty: omitEmpty)
    }

    mutating func add(_ key: String, _ value: Double, omitEmpty: Bool = false) {
        if omitEmpty, value == 0 { return }
        fields.append((key, .double(value)))
    }

    mutating func add(_ key: String, _ value: Bool, omitEmpty: Bool = false) {
        if omitEmpty, !value { return }
        fields.append((key, .bool(value)))
    }

    var json: GoJSON { .object(fields) }
}
