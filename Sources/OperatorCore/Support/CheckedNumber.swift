import Foundation

// Numbers that come from outside (a metrics page, a JSON body, a log line, a setting) are converted here
// and nowhere else: `Int(someDouble)` traps on NaN, ±infinity and anything out of range, and one bad value
// on a scraped page must never take the process down.

extension FixedWidthInteger {
    /// `value` rounded by `rule`, or `nil` when it is NaN, infinite or does not fit in `Self` (where
    /// `Self(value)` would trap). Callers treat `nil` as malformed or unknown, never as zero.
    @inlinable
    public init?(checking value: Double, rounding rule: FloatingPointRoundingRule = .towardZero) {
        guard let exact = Self(exactly: value.rounded(rule)) else { return nil }
        self = exact
    }
}

extension Duration {
    /// `seconds` as a `Duration`, or `nil` when it is NaN, infinite or beyond what a `Duration` in
    /// nanoseconds can hold (about ±292 years); `Duration.seconds(_:)` traps there.
    public static func checkedSeconds(_ seconds: Double) -> Duration? {
        guard let nanoseconds = Int64(checking: seconds * 1e9, rounding: .toNearestOrAwayFromZero) else { return nil }
        return .nanoseconds(nanoseconds)
    }
}

/// Numbers in text for people (messages, evidence, status lines) that never trap on an outside value.
public enum NumberText {
    /// `1234` for a value that rounds to an integer that fits, otherwise `%g` (`1e+20`, `inf`, `nan`).
    public static func integer(_ value: Double, rounding rule: FloatingPointRoundingRule = .towardZero) -> String {
        if let n = Int64(checking: value, rounding: rule) { return String(n) }
        return String(format: "%g", value)
    }

    /// `0.25`, `1e+20`, `1234`: up to six significant digits, never a trap.
    public static func decimal(_ value: Double) -> String {
        if let n = Int64(checking: value, rounding: .towardZero), Double(n) == value { return String(n) }
        return String(format: "%.6g", value)
    }

    /// `42%` for a ratio of 0.42; `%g` beyond what an integer holds.
    public static func percent(_ ratio: Double) -> String {
        integer(ratio * 100, rounding: .toNearestOrAwayFromZero) + "%"
    }
}

/// A number read from outside that cannot be what it claims to be (a negative byte count, an infinite
/// size, a region count of 1e20). The text names the series or field and the value, so whoever reads the
/// note knows what to look at; the value itself is then treated as unknown.
public struct MalformedValue: Error, Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var value: Double
    public var expected: String

    public init(field: String, value: Double, expected: String) {
        self.field = field
        self.value = value
        self.expected = expected
    }

    public var description: String { "\(field) is \(String(format: "%g", value)), not \(expected); ignored" }

    /// `value` when it is finite and not negative (sizes, byte counts, gauges of things that exist).
    public static func nonNegative(_ value: Double, field: String, expected: String = "a non-negative number")
        throws(MalformedValue) -> Double
    {
        guard value.isFinite, value >= 0 else { throw MalformedValue(field: field, value: value, expected: expected) }
        return value
    }

    /// `value` as a count: finite, not negative, and small enough for an `Int`; fractions are dropped.
    public static func count(_ value: Double, field: String, expected: String = "a count") throws(MalformedValue) -> Int {
        guard value >= 0, let n = Int(checking: value) else {
            throw MalformedValue(field: field, value: value, expected: expected)
        }
        return n
    }
}
