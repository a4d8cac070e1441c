import Foundation

/// The unified log timestamp, `YYYY/MM/DD HH:MM:SS.mmm ±HH:MM` (TiKV's `TIMESTAMP_FORMAT =
/// "%Y/%m/%d %H:%M:%S%.3f %:z"`, tikv-interfaces.md §3.1), read byte by byte because every line has one.
enum TiKVLogTime {
    static let expectedFormat = "YYYY/MM/DD HH:MM:SS.mmm ±HH:MM"

    static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { parse($0[...]) }
    }

    /// Accepts 0–9 fraction digits (the format writes 3) and a `±HH:MM` or `Z` offset.
    static func parse(_ b: Slice<UnsafeBufferPointer<UInt8>>) -> Date? {
        // Every line has a timestamp: a cursor of plain values (no closures) keeps this tight.
        var c = Cursor(bytes: UnsafeBufferPointer(rebasing: b))
        guard let year = c.number(4), c.skip(0x2F), let month = c.number(2), c.skip(0x2F), let day = c.number(2),
            c.skip(0x20), let hour = c.number(2), c.skip(0x3A), let minute = c.number(2), c.skip(0x3A),
            let second = c.number(2)
        else { return nil }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else {
            return nil
        }
        var fraction = 0.0
        if c.skip(0x2E) {
            var scale = 0.1
            var digits = 0
            while let digit = c.digit() {
                fraction += Double(digit) * scale
                scale /= 10
                digits += 1
            }
            guard (1...9).contains(digits) else { return nil }
        }
        guard c.skip(0x20), let sign = c.peek() else { return nil }
        var offset = 0
        if sign == 0x5A {  // Z
            c.i += 1
        } else if sign == 0x2B || sign == 0x2D {  // + -
            c.i += 1
            guard let oh = c.number(2), c.skip(0x3A), let om = c.number(2), oh < 24, om < 60 else { return nil }
            offset = (sign == 0x2D ? -1 : 1) * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard c.i == c.bytes.count else { return nil }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        let seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        func peek() -> UInt8? { i < bytes.count ? bytes[i] : nil }

        /// The next byte's value if it is a decimal digit (and moves past it).
        mutating func digit() -> Int? {
            guard i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 else { return nil }
            defer { i += 1 }
            return Int(bytes[i] &- 0x30)
        }

        /// Exactly `count` decimal digits (at most 4: no overflow).
        mutating func number(_ count: Int) -> Int? {
            guard bytes.count - i >= count else { return nil }
            var value = 0
            for _ in 0..<count {
                guard let d = digit() else { return nil }
                value = value * 10 + d
            }
            return value
        }

        mutating func skip(_ byte: UInt8) -> Bool {
            guard i < bytes.count, bytes[i] == byte else { return false }
            i += 1
            return true
        }
    }

    /// Writes `YYYY/MM/DD HH:MM:SS.mmm ±HH:MM` for a Unix time in milliseconds, shown in the given offset.
    static func format(unixMilliseconds: Int64, offsetMinutes: Int) -> String {
        let local = unixMilliseconds + Int64(offsetMinutes) * 60_000
        let millis = Int(((local % 1000) + 1000) % 1000)
        let seconds = (local - Int64(millis)) / 1000
        let days = Int(seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400)
        let secondOfDay = Int(seconds - Int64(days) * 86400)
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        let sign = offsetMinutes < 0 ? "-" : "+"
        let offset = abs(offsetMinutes)
        return pad(year, 4) + "/" + pad(month, 2) + "/" + pad(day, 2) + " " + pad(secondOfDay / 3600, 2) + ":"
            + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2) + "." + pad(millis, 3) + " " + sign
            + pad(offset / 60, 2) + ":" + pad(offset % 60, 2)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// The inverse of ``daysSinceEpoch(year:month:day:)`` (Howard Hinnant's `civil_from_days`).
    static func civilDate(daysSinceEpoch z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// Days from 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's `days_from_civil`).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}
