import Foundation

/// Text helpers for log parsers turning untrusted log bytes into error reasons and field values: the
/// parts every subject's parser needs alike (quoting a bad token safely, spotting binary input, JSON
/// field text). Duration spellings differ per system and stay in each subject.
public enum LogText {
    /// How much of a bad token a reason quotes.
    public static let quoteLimit = 40

    /// A short quoted excerpt for an error reason (control bytes escaped, long text cut).
    public static func quoted(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> String {
        quoted(String(decoding: UnsafeBufferPointer(rebasing: bytes), as: UTF8.self))
    }

    public static func quoted(_ text: String) -> String {
        var out = "\""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == quoteLimit {
                out += "…"
                break
            }
            count += 1
            switch scalar.value {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0..<0x20, 0x7F..<0xA0: out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// ` (the line contains binary data)` when it holds NUL bytes, other C0 controls than tab, or bytes
    /// that were not UTF-8 (decoded as U+FFFD): a hint that the input is not a log file at all.
    public static func binaryNote(_ line: UnsafeBufferPointer<UInt8>) -> String {
        var i = 0
        let n = line.count
        while i < n {
            let c = line[i]
            if c < 0x20, c != 0x09 { return " (the line contains binary data)" }
            // U+FFFD as UTF-8: EF BF BD.
            if c == 0xEF, i + 2 < n, line[i + 1] == 0xBF, line[i + 2] == 0xBD {
                return " (the line contains bytes that are not UTF-8)"
            }
            i += 1
        }
        return ""
    }

    /// Whether `bytes` are well-formed UTF-8 (Unicode Table 3-7: no overlong forms, surrogates or values
    /// above U+10FFFF), so that decoding them as UTF-8 changes nothing. ASCII runs go a word at a time:
    /// this runs on every line of a log.
    public static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let n = bytes.count
        var i = 0
        while i < n {
            if i + 8 <= n {
                let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 {
                    i += 8
                    continue
                }
            }
            let c = base[i]
            if c < 0x80 {
                i += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF  // range of the second byte
            switch c {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return false
            }
            guard i + length <= n, base[i + 1] >= low, base[i + 1] <= high else { return false }
            var k = 2
            while k < length {
                guard base[i + k] & 0xC0 == 0x80 else { return false }
                k += 1
            }
            i += length
        }
        return true
    }

    /// JSONSerialization's own explanation ("Unexpected end of file", "Too many nested arrays or
    /// dictionaries around character 517"), without the NSError wrapping.
    public static func jsonError(_ error: any Error) -> String {
        let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
        return detail ?? "\(error)"
    }

    /// A JSON value from JSONSerialization as field text: strings verbatim, numbers and booleans as
    /// JSON spells them (integers exactly, even above 2^53), arrays and objects as compact JSON.
    public static func jsonScalarText(_ value: Any) -> String {
        switch value {
        case let s as String: return s
        case is NSNull: return "null"
        case let n as NSNumber:
            if isBoolean(n) { return n.boolValue ? "true" : "false" }
            return n.stringValue
        default:
            guard JSONSerialization.isValidJSONObject(value),
                let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
            else { return String(describing: value) }
            return String(decoding: data, as: UTF8.self)
        }
    }

    private static func isBoolean(_ n: NSNumber) -> Bool {
        // JSONSerialization gives JSON true/false as the boolean subclass (`__NSCFBoolean`, type "c");
        // integers 0 and 1 are plain NSNumbers.
        type(of: n) != NSNumber.self && String(cString: n.objCType) == "c"
    }

    /// `1234`, `137.341`: at most three decimals, no trailing zeros.
    public static func format(milliseconds ms: Double) -> String {
        let rounded = (ms * 1000).rounded() / 1000
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int64(rounded)) }
        // Below 1e12 the thousandths are an exact integer (under 2^53) and `rounded` is within a quarter
        // of one of them, so integer digits spell what `%.3f` prints; Foundation's formatting cost more
        // than the rest of a log event (every slow log has a duration).
        if rounded.isFinite, abs(rounded) < 1e12 {
            return thousandths(Int64((abs(rounded) * 1000).rounded()), negative: rounded < 0)
        }
        var text = String(format: "%.3f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// `137341` thousandths as `137.341` (`1500` as `1.5`), without trailing zeros.
    private static func thousandths(_ value: Int64, negative: Bool) -> String {
        var fraction = value % 1000
        var digits = 3
        while fraction % 10 == 0, digits > 0 {
            fraction /= 10
            digits -= 1
        }
        var text = negative ? "-" : ""
        text += String(value / 1000)
        guard digits > 0 else { return text }
        let fractionText = String(fraction)
        text += "."
        text += String(repeating: "0", count: digits - fractionText.utf8.count)
        text += fractionText
        return text
    }
}
