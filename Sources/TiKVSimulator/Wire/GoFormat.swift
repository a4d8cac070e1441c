import Foundation

/// Text forms that PD's Go code produces, reproduced so clients decode the simulator exactly as PD.
enum GoFormat {
    /// `typeutil.ByteSize` → docker/go-units `BytesSize`: `"%.4g%s"` with binary units, no space
    /// (tikv-interfaces.md §1.0: `"311.7GiB"`, `"290.7MiB"`, `"0B"`).
    static func byteSize(_ bytes: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"]
        var size = bytes
        var unit = 0
        while size >= 1024, unit < units.count - 1 {
            size /= 1024
            unit += 1
        }
        return String(format: "%.4g", size) + units[unit]
    }

    /// Go's `time.Duration.String()`: `"30m0s"`, `"36m20.480549971s"`, `"1.5ms"`, `"0s"`
    /// (tikv-interfaces.md §1.0, `typeutil.Duration`).
    static func duration(_ span: SimSpan) -> String {
        var nanos = span.nanoseconds
        if nanos == 0 { return "0s" }
        let negative = nanos < 0
        if negative { nanos = -nanos }
        var text: String
        if nanos < 1_000_000_000 {
            // Sub-second durations use the largest unit that keeps an integer part.
            if nanos < 1_000 {
                text = "\(nanos)ns"
            } else if nanos < 1_000_000 {
                text = fraction(nanos, unitNanos: 1_000) + "µs"
            } else {
                text = fraction(nanos, unitNanos: 1_000_000) + "ms"
            }
        } else {
            let hours = nanos / 3_600_000_000_000
            let minutes = (nanos / 60_000_000_000) % 60
            let secondNanos = nanos % 60_000_000_000
            text = fraction(secondNanos, unitNanos: 1_000_000_000) + "s"
            if hours > 0 {
                text = "\(hours)h\(minutes)m" + text
            } else if minutes > 0 {
                text = "\(minutes)m" + text
            }
        }
        return negative ? "-" + text : text
    }

    /// `value / unit` with the fraction's trailing zeros trimmed, as Go's `fmtFrac` does.
    private static func fraction(_ value: Int64, unitNanos: Int64) -> String {
        let whole = value / unitNanos
        var remainder = value % unitNanos
        guard remainder > 0 else { return "\(whole)" }
        var digits = String(unitNanos).count - 1
        while remainder % 10 == 0 {
            remainder /= 10
            digits -= 1
        }
        let padded = String(repeating: "0", count: max(0, digits - String(remainder).count)) + String(remainder)
        return "\(whole).\(padded)"
    }

    /// `time.Time` marshalled as RFC3339Nano with trailing fraction zeros trimmed, in PD's local
    /// zone — the simulator's PD runs in UTC, so the zone is `Z` (tikv-interfaces.md §1.0).
    static func rfc3339Nano(_ instant: SimInstant) -> String {
        let seconds = floorDiv(instant.nanoseconds, 1_000_000_000)
        let nanos = instant.nanoseconds - seconds * 1_000_000_000
        var text = civilTime(seconds).rfc3339
        if nanos > 0 {
            var fractionDigits = String(nanos)
            fractionDigits = String(repeating: "0", count: 9 - fractionDigits.count) + fractionDigits
            while fractionDigits.hasSuffix("0") { fractionDigits.removeLast() }
            text += "." + fractionDigits
        }
        return text + "Z"
    }

    /// RFC3339 without fraction (`raft_bootstrap_time`, `start_ts` are whole seconds in practice).
    static func rfc3339(_ instant: SimInstant) -> String {
        civilTime(floorDiv(instant.nanoseconds, 1_000_000_000)).rfc3339 + "Z"
    }

    /// TiKV's log timestamp `%Y/%m/%d %H:%M:%S%.3f %:z` (tikv-interfaces.md §3.1), in UTC.
    static func tikvLogTimestamp(_ instant: SimInstant) -> String {
        let seconds = floorDiv(instant.nanoseconds, 1_000_000_000)
        let millis = (instant.nanoseconds - seconds * 1_000_000_000) / 1_000_000
        let civil = civilTime(seconds)
        return String(
            format: "%04d/%02d/%02d %02d:%02d:%02d.%03d +00:00",
            civil.year, civil.month, civil.day, civil.hour, civil.minute, civil.second, Int(millis))
    }

    /// A float as Go's `encoding/json` and the Rust Prometheus encoder print it: integers without a
    /// fraction, others in their shortest round-tripping form.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return positional("\(value)")
    }

    /// Swift's shortest round-tripping digits (`"5e-05"`, `"1.5e+16"`) written without an exponent
    /// (`"0.00005"`), as Go's `'f'` format and Rust's `Display` do.
    static func positional(_ shortest: String) -> String {
        guard let e = shortest.firstIndex(where: { $0 == "e" || $0 == "E" }), let exponent = Int(shortest[shortest.index(after: e)...]) else {
            return shortest
        }
        var mantissa = String(shortest[..<e])
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa.removeFirst() }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let integerDigits = String(parts[0])
        let digits = integerDigits + (parts.count > 1 ? String(parts[1]) : "")
        let point = integerDigits.count + exponent
        var text: String
        if point <= 0 {
            text = "0." + String(repeating: "0", count: -point) + digits
        } else if point >= digits.count {
            text = digits + String(repeating: "0", count: point - digits.count)
        } else {
            text = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
        }
        return (negative ? "-" : "") + text
    }

    struct CivilTime {
        var year, month, day, hour, minute, second: Int
        var rfc3339: String {
            String(format: "%04d-%02d-%02dT%02d:%02d:%02d", year, month, day, hour, minute, second)
        }
    }

    /// Unix seconds → UTC calendar fields (Howard Hinnant's days-from-civil inverse), so formatting
    /// needs no locale or time zone database.
    static func civilTime(_ unixSeconds: Int64) -> CivilTime {
        let days = floorDiv(unixSeconds, 86_400)
        let secondOfDay = Int(unixSeconds - days * 86_400)
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        let year = Int(yearOfEra + era * 400) + (month <= 2 ? 1 : 0)
        return CivilTime(
            year: year, month: month, day: day,
            hour: secondOfDay / 3_600, minute: (secondOfDay / 60) % 60, second: secondOfDay % 60)
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
