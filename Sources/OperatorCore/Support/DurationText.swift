/// Durations as people and Go programs write them: `500ms`, `1s`, `2m`, `1h30m`, `36m20.480549971s`.
///
/// One parser serves CLI flags, `operator.yaml` and wire formats that use Go's `time.Duration.String()`.
public enum DurationText {
    /// The longest duration a `Duration` built from nanoseconds can hold, as in Go: about 292 years.
    public static let maximumSeconds = Double(Int64.max) / 1e9

    public struct ParseError: Error, CustomStringConvertible {
        public let text: String
        public var outOfRange = false

        public init(text: String, outOfRange: Bool = false) {
            self.text = text
            self.outOfRange = outOfRange
        }

        public var description: String {
            outOfRange
                ? "duration \"\(text)\" is too long: the longest is 2562047h (about 292 years)"
                : "invalid duration \"\(text)\": write a number and a unit, such as 500ms, 1s, 2m or 1h30m (units: ns, us, ms, s, m, h)"
        }
    }

    /// Parses into seconds. A bare `0` is allowed, as in Go.
    public static func seconds(_ text: String) throws(ParseError) -> Double {
        let s = text.trimmingWhitespace()
        var chars = Substring(s)
        var sign = 1.0
        if chars.first == "-" {
            sign = -1
            chars.removeFirst()
        } else if chars.first == "+" {
            chars.removeFirst()
        }
        if chars == "0" { return 0 }
        guard !chars.isEmpty else { throw ParseError(text: text) }
        var total = 0.0
        while !chars.isEmpty {
            let number = chars.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let value = Double(number) else { throw ParseError(text: text) }
            chars = chars.dropFirst(number.count)
            let unit = chars.prefix { $0.isLetter || $0 == "µ" || $0 == "μ" }
            chars = chars.dropFirst(unit.count)
            let scale: Double
            switch unit {
            case "ns": scale = 1e-9
            case "us", "µs", "μs": scale = 1e-6
            case "ms": scale = 1e-3
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            default: throw ParseError(text: text)
            }
            total += value * scale
            // Checked as it grows, so no later conversion can overflow or see infinity.
            guard total.isFinite, total <= maximumSeconds else { throw ParseError(text: text, outOfRange: true) }
        }
        // A digit string long enough to overflow a Double is not a duration anyone meant.
        guard total.isFinite else { throw ParseError(text: text, outOfRange: true) }
        return sign * total
    }

    /// Parses into a `Duration`; a value beyond about ±292 years (what `Duration` holds in nanoseconds) is
    /// an error rather than a trap.
    public static func duration(_ text: String) throws(ParseError) -> Duration {
        let s = try seconds(text)
        guard let d = Duration.checkedSeconds(s) else {
            throw ParseError(text: text, outOfRange: true)
        }
        return d
    }

    /// Short human spelling: `450ms`, `1.5s`, `2m`, `1h5m`. Values from outside may be anything: a
    /// non-finite or enormous one is written as a plain number of seconds, never trapped on.
    public static func format(seconds: Double) -> String {
        guard seconds.isFinite, abs(seconds) < 1e15 else { return String(format: "%gs", seconds) }
        if seconds < 1 { return NumberText.integer(seconds * 1000, rounding: .toNearestOrAwayFromZero) + "ms" }
        if seconds < 60 {
            let r = (seconds * 10).rounded() / 10
            return r == r.rounded() ? NumberText.integer(r) + "s" : "\(r)s"
        }
        let total = Int(seconds.rounded())  // finite and below 1e15 (checked above): fits
        let h = total / 3600, m = (total % 3600) / 60, s = total % 60
        var out = ""
        if h > 0 { out += "\(h)h" }
        if m > 0 { out += "\(m)m" }
        if s > 0 && h == 0 { out += "\(s)s" }
        return out
    }

    public static func format(_ duration: Duration) -> String {
        format(seconds: duration.seconds)
    }
}

extension Duration {
    /// Seconds as a floating-point number.
    public var seconds: Double {
        let (s, attos) = components
        return Double(s) + Double(attos) / 1e18
    }
}
