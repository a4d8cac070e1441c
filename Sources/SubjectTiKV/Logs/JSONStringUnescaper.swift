import Foundation

/// Decodes the inside of a JSON string literal (between its quotes), as serde_json writes quoted
/// messages, keys and values in TiKV's unified log (tikv-interfaces.md §3.1).
///
/// A hand-written decoder because it runs on nearly every line (most messages contain a space and are
/// quoted); going through JSONSerialization per token would dominate the parse time.
enum JSONStringUnescaper {
    /// `nil` when an escape is invalid (unknown letter, bad `\u` digits, a line cut inside an escape).
    static func unescape(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var valid = true
        // Decoding never lengthens: every escape is at least as long as the bytes it stands for.
        let text = String(unsafeUninitializedCapacity: bytes.count) { out in
            guard let written = unescape(bytes, into: out) else {
                valid = false
                return 0
            }
            return written
        }
        return valid ? text : nil
    }

    /// Decodes into `out` (at least `bytes.count` long) and returns how many bytes it wrote, or `nil` when
    /// an escape is invalid. Lets a caller decode into a scratch buffer and build a `String` only if needed.
    static func unescape(_ bytes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) -> Int? {
        var written = 0
        func append(_ byte: UInt8) {
            out[written] = byte
            written += 1
        }
        var i = 0
        let n = bytes.count
        guard let source = bytes.baseAddress, let target = out.baseAddress else { return 0 }
        while i < n {
            // Copy up to the next backslash in one go (memchr): most of a quoted message is plain text.
            let next = memchr(source + i, Int32(UInt8(ascii: "\\")), n - i)
                .map { UnsafeRawPointer(source).distance(to: UnsafeRawPointer($0)) } ?? n
            if next > i {
                (target + written).initialize(from: source + i, count: next - i)
                written += next - i
                i = next
                continue
            }
            guard i + 1 < n else { return nil }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""): append(0x22)
            case UInt8(ascii: "\\"): append(0x5C)
            case UInt8(ascii: "/"): append(0x2F)
            case UInt8(ascii: "b"): append(0x08)
            case UInt8(ascii: "f"): append(0x0C)
            case UInt8(ascii: "n"): append(0x0A)
            case UInt8(ascii: "r"): append(0x0D)
            case UInt8(ascii: "t"): append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(bytes, at: i) else { return nil }
                i += 4
                if (0xD800..<0xDC00).contains(scalar) {
                    // A high surrogate must be followed by `\uDC00`–`\uDFFF`.
                    guard i + 1 < n, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u"),
                        let low = hex4(bytes, at: i + 2), (0xDC00..<0xE000).contains(low)
                    else { return nil }
                    i += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    return nil
                }
                guard let unicode = Unicode.Scalar(scalar), let encoded = UTF8.encode(unicode) else { return nil }
                for byte in encoded { append(byte) }
            default:
                return nil
            }
        }
        return written
    }

    private static func hex4(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> UInt32? {
        guard i + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for k in i..<(i + 4) {
            let c = bytes[k]
            let digit: UInt8
            switch c {
            case 0x30...0x39: digit = c - 0x30
            case 0x41...0x46: digit = c - 0x41 + 10
            case 0x61...0x66: digit = c - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}
