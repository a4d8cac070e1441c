import Foundation

/// RFC 3339 times, written one way and read every way clusters write them.
///
/// Written: UTC with milliseconds (`2026-11-23T07:05:15.317Z`). Read: 0–9 fraction digits, `Z` or any
/// `±HH:MM` offset, `T` or space between date and time — Go's RFC3339Nano trims trailing zeros and
/// servers report in their local zone.
public enum Timestamp {
    public static func format(_ date: Date) -> String {
        // Dates built from outside numbers may lie beyond what milliseconds in an Int64 can hold.
        guard let ms = Int64(checking: date.timeIntervalSince1970 * 1000, rounding: .down),
            abs(ms) < 253_402_300_800_000  // year 10000: four-digit years only
        else { return String(format: "%g", date.timeIntervalSince1970) }
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let millis = Int(ms - seconds * 1000)
        let (y, mo, d) = civilDate(daysSinceEpoch: seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400)
        let secOfDay = Int(((seconds % 86400) + 86400) % 86400)
        // Built by hand, not with String(format:): every time in every JSON answer passes here, and
        // Foundation's formatting was a tenth of `operator serve`'s CPU on a page of incidents.
        var out = ""
        out.reserveCapacity(24)
        appendPadded(y, width: 4, to: &out)
        out.append("-")
        appendPadded(mo, width: 2, to: &out)
        out.append("-")
        appendPadded(d, width: 2, to: &out)
        out.append("T")
        appendPadded(secOfDay / 3600, width: 2, to: &out)
        out.append(":")
        appendPadded((secOfDay / 60) % 60, width: 2, to: &out)
        out.append(":")
        appendPadded(secOfDay % 60, width: 2, to: &out)
        out.append(".")
        appendPadded(millis, width: 3, to: &out)
        out.append("Z")
        return out
    }

    /// `%0<width>d`: zero-padded to `width` characters, a minus sign counted in the width.
    private static func appendPadded(_ value: Int, width: Int, to out: inout String) {
        let digits = String(value.magnitude)
        let used = digits.count + (value < 0 ? 1 : 0)
        if value < 0 { out.append("-") }
        if used < width { out.append(String(repeating: "0", count: width - used)) }
        out.append(digits)
    }

    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(45), let month = digits(2), expect(45), let day = digits(2) else {
            return nil
        }
        guard i < b.count, b[i] == 84 || b[i] == 116 || b[i] == 32 else { return nil }  // T, t or space
        i += 1
        guard let hour = digits(2), expect(58), let minute = digits(2), expect(58), let second = digits(2) else {
            return nil
        }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else {
            return nil
        }
        var fraction = 0.0
        if i < b.count, b[i] == 46 {  // '.'
            i += 1
            var scale = 0.1
            var count = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                fraction += Double(b[i] - 48) * scale
                scale /= 10
                count += 1
                i += 1
            }
            guard count >= 1 else { return nil }
        }
        var offset = 0
        guard i < b.count else { return nil }
        if b[i] == 90 || b[i] == 122 {  // Z
            i += 1
        } else if b[i] == 43 || b[i] == 45 {  // + -
            let sign = b[i] == 45 ? -1 : 1
            i += 1
            guard let oh = digits(2), expect(58), let om = digits(2) else { return nil }
            offset = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        let secs = Double(days * 86400 + hour * 3600 + minute * 60 + second - offset)
        return Date(timeIntervalSince1970: secs + fraction)
    }

    // Howard Hinnant's civil-date algorithms: exact for the proleptic Gregorian calendar, no Calendar needed.
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civilDate(daysSinceEpoch z0: Int64) -> (Int, Int, Int) {
        let z = Int(z0) + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
