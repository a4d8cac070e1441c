import Foundation
import OperatorCore
import Testing

/// `Timestamp.format` builds its text by hand (it runs for every time in every JSON answer); it writes
/// what `%04d-%02d-%02dT%02d:%02d:%02d.%03dZ` wrote, for every date it formats, and parses back.
@Suite("Timestamp formatting")
struct TimestampFormatTests {
    @Test func sameTextAsTheFormatStringAndParsesBack() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        // From 1600 (Foundation's calendar is Julian before 1582; Timestamp's is proleptic Gregorian) to 9999,
        // and the fractions that need padding (5 ms, 50 ms).
        var seconds: [Double] = [0, -0.5, 0.005, 0.05, 59.999, 86_399.001, 951_782_400, 1_800_000_000.123, 253_402_300_799.999, -11_676_096_000]
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2_000 {
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            seconds.append(Double(x % 265_078_396_800_000) / 1000 - 11_676_096_000)
        }
        for s in seconds {
            let date = Date(timeIntervalSince1970: s)
            let text = Timestamp.format(date)
            // As `format` reads it: a Date keeps its time from 2001, so 0.005 s after 1970 comes back a hair under 5 ms.
            let ms = (date.timeIntervalSince1970 * 1000).rounded(.down)
            let whole = (ms / 1000).rounded(.down)
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: whole))
            let expected = String(
                format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0,
                parts.minute ?? 0, parts.second ?? 0, Int(ms - whole * 1000))
            #expect(text == expected, "\(s)")
            #expect(Timestamp.parse(text).map { abs($0.timeIntervalSince1970 - ms / 1000) < 1e-6 } == true, "\(text)")
        }
    }
}
