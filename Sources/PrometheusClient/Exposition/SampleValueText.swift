/// Sample values as Prometheus writes them, in the text format and in the HTTP API.
///
/// Go's `strconv.FormatFloat` spells the non-finite values `NaN`, `+Inf` and `-Inf`; the text format also
/// accepts `Inf` and any letter case (Go's `ParseFloat` does), and the API always quotes values as strings
/// (`[1795417505.688,"1"]`, etcd-prometheus-observed.md §B).
public enum SampleValueText {
    /// Parses one value; `nil` when the text is not a number.
    public static func parse<S: StringProtocol>(_ text: S) -> Double? {
        if let v = Double(text) { return v }
        var s = Substring(text)
        var negative = false
        if s.first == "+" {
            s = s.dropFirst()
        } else if s.first == "-" {
            negative = true
            s = s.dropFirst()
        }
        switch s.lowercased() {
        case "inf", "infinity": return negative ? -.infinity : .infinity
        case "nan": return .nan
        default: return nil
        }
    }

    /// Parses the bytes of one value without building a `String` first (the text-format hot path).
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Double? {
        guard !range.isEmpty else { return nil }
        // Fast path for plain decimal integers, the most common value on a metrics page.
        var i = range.lowerBound
        var negative = false
        if bytes[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        if i < range.upperBound, range.upperBound - i <= 15 {
            var value: Int64 = 0
            var j = i
            while j < range.upperBound, bytes[j] >= 48, bytes[j] <= 57 {
                value = value * 10 + Int64(bytes[j] - 48)
                j += 1
            }
            if j == range.upperBound { return Double(negative ? -value : value) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        return parse(text)
    }

    /// The spelling Prometheus uses: `NaN`, `+Inf`, `-Inf`, otherwise the shortest round-trip decimal.
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == .infinity { return "+Inf" }
        if value == -.infinity { return "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
