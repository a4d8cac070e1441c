import OperatorCore

/// A byte count as PD writes it (`typeutil.ByteSize`): docker/go-units `BytesSize`, `"%.4g%s"` with binary
/// units, e.g. `"311.7GiB"`, `"290.7MiB"`, `"0B"`. PD v3.x wrote a space: `"39 GiB"`
/// (tikv-interfaces.md §1.0). A bare JSON number is read as bytes.
public struct ByteSize: Sendable, Hashable, Codable, CustomStringConvertible {
    public var bytes: Double

    public init(bytes: Double) {
        self.bytes = bytes
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Double.self) {
            guard n.isFinite, n >= 0 else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "\(n) is not a byte count (negative or too large)")
            }
            bytes = n
            return
        }
        let text = try c.decode(String.self)
        guard let parsed = Self.parse(text) else {
            throw DecodingError.dataCorruptedError(
                in: c, debugDescription: "\"\(text)\" is not a byte size like \"311.7GiB\" or \"39 GiB\"")
        }
        bytes = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(bytes)
    }

    /// `^([0-9.]+(e[+-]?[0-9]+)?)\s?([KMGTPE]i)?B$`
    public static func parse(_ text: String) -> Double? {
        var s = Substring(text)
        guard s.hasSuffix("B") else { return nil }
        s = s.dropLast()
        var multiplier = 1.0
        if s.hasSuffix("i"), let unit = s.dropLast().last {
            let units: [Character: Double] = [
                "K": 1024, "M": 1_048_576, "G": 1_073_741_824, "T": 1_099_511_627_776, "P": 1_125_899_906_842_624,
                "E": 1_152_921_504_606_846_976,
            ]
            guard let m = units[unit] else { return nil }
            multiplier = m
            s = s.dropLast(2)
        }
        if s.hasSuffix(" ") { s = s.dropLast() }
        guard let first = s.first, first.isASCII, first.isNumber, s.allSatisfy({ $0.isASCII && ($0.isNumber || ".e+-".contains($0)) }),
            let value = Double(s), value >= 0, (value * multiplier).isFinite
        else { return nil }
        return value * multiplier
    }

    public var description: String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var v = bytes
        var i = 0
        while v >= 1024, i < units.count - 1 {
            v /= 1024
            i += 1
        }
        let rounded = (v * 10).rounded() / 10
        return rounded == rounded.rounded() ? "\(NumberText.integer(rounded))\(units[i])" : "\(rounded)\(units[i])"
    }
}
