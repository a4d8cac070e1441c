import Foundation
import OperatorCore
import Testing

/// The one place outside numbers become integers, durations and text (OperatorCore/Support/CheckedNumber).
@Suite("Checked conversions of outside numbers")
struct CheckedNumberTests {
    @Test("NaN, infinities and out-of-range values give nil where Int(_:) traps")
    func checkedIntegers() {
        for bad in [Double.nan, .infinity, -.infinity, 1e20, -1e20, 9.223372036854775808e18] {
            #expect(Int(checking: bad) == nil, "\(bad)")
            #expect(Int64(checking: bad) == nil, "\(bad)")
        }
        #expect(UInt64(checking: -1) == nil)
        #expect(UInt64(checking: 1.8446744073709552e19) == nil, "2^64 does not fit")
        #expect(Int32(checking: 2_147_483_648) == nil)
        #expect(Int(checking: 2.9) == 2)
        #expect(Int(checking: 2.5, rounding: .toNearestOrAwayFromZero) == 3)
        #expect(Int(checking: -2.9) == -2)
        #expect(Int64(checking: -9.223372036854775808e18) == Int64.min, "the lowest Int64 is exact")
    }

    @Test("durations beyond what Duration holds are nil or parse errors naming the text")
    func durations() throws {
        #expect(Duration.checkedSeconds(1.5) == .milliseconds(1500))
        #expect(Duration.checkedSeconds(1e12) == nil)
        #expect(Duration.checkedSeconds(.nan) == nil)
        #expect(try DurationText.duration("2m") == .seconds(120))
        let huge = #expect(throws: DurationText.ParseError.self) { try DurationText.duration("999999999999h") }
        #expect(huge?.description == #"duration "999999999999h" is too long: the longest is 2562047h (about 292 years)"#)
        let digits = String(repeating: "9", count: 400) + "s"
        let overflow = #expect(throws: DurationText.ParseError.self) { try DurationText.seconds(digits) }
        #expect(overflow?.description.contains("is too long") == true)
    }

    @Test("text for people never traps", arguments: [Double.nan, .infinity, -.infinity, 1e20, -1e20, 0.25, -0.5, 3600, 1e15])
    func text(value: Double) {
        #expect(!DurationText.format(seconds: value).isEmpty)
        #expect(!NumberText.integer(value).isEmpty)
        #expect(!NumberText.percent(value).isEmpty)
        #expect(!Timestamp.format(Date(timeIntervalSince1970: value * 1e290)).isEmpty)
    }

    @Test func spelledValues() {
        #expect(NumberText.integer(42.9) == "42")
        #expect(NumberText.integer(1e20) == "1e+20")
        #expect(NumberText.integer(.nan) == "nan")
        #expect(NumberText.percent(0.425) == "43%")
        #expect(NumberText.percent(.infinity) == "inf%")
        #expect(DurationText.format(seconds: 0.45) == "450ms")
        #expect(DurationText.format(seconds: 1e20) == "1e+20s")
        #expect(DurationText.format(seconds: .nan) == "nans")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1e300)) == "1e+300")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
    }

    @Test("a malformed value names its field and value")
    func malformed() throws {
        let e = #expect(throws: MalformedValue.self) { try MalformedValue.count(1e20, field: #"x{type="a"}"#, expected: "a region count") }
        #expect(e?.description == #"x{type="a"} is 1e+20, not a region count; ignored"#)
        #expect(try MalformedValue.count(7.0, field: "x") == 7)
        #expect(throws: MalformedValue.self) { try MalformedValue.nonNegative(-1, field: "x") }
        #expect(throws: MalformedValue.self) { try MalformedValue.nonNegative(.infinity, field: "x") }
        #expect(try MalformedValue.nonNegative(0, field: "x") == 0)
    }
}
