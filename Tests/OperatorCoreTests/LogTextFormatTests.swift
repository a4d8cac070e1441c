import Foundation
import OperatorTestSupport
import Testing

@testable import OperatorCore

/// `LogText.format(milliseconds:)` spells a duration with integer arithmetic; it must print exactly what
/// the `%.3f` formatting it replaced printed (kept here as the reference) for every value.
@Suite struct LogTextFormatTests {
    /// The formatting as it was: Foundation's `%.3f`, trailing zeros and point dropped.
    static func reference(_ ms: Double) -> String {
        let rounded = (ms * 1000).rounded() / 1000
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int64(rounded)) }
        var text = String(format: "%.3f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    @Test func edgesFormatAsPrintfDid() {
        let values: [Double] = [
            0, -0.0, 0.0004, 0.0005, 0.0015, 0.001, 0.01, 0.1, 0.5, 1.5, 137.340853, 999.9995, 999.9994, 1000.0005,
            -0.5, -137.340853, -0.0004, 0.125, 2.675, 1.0005, 1.0045, 123_456_789.123_456, 999_999_999_999.999,
            999_999_999_999.9994, 1e12 - 0.001, 1e12 + 0.5, 4_503_599_627_370.5, 1e15 + 0.5, 1e16, .infinity,
            -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
        ] + ExtremeNumbers.doubles
        for value in values {
            #expect(LogText.format(milliseconds: value) == Self.reference(value), "\(value)")
        }
    }

    @Test func randomDurationsFormatAsPrintfDid() {
        var random = SeededRandom(seed: 1616)
        var compared = 0
        for exponent in -4...13 {
            for _ in 0..<2_000 {
                let scale = pow(10.0, Double(exponent))
                let value = Double.random(in: 0..<1, using: &random) * scale
                let sign: Double = random.chance(0.1) ? -1 : 1
                // Values near a half thousandth, where rounding could go either way.
                let nearHalf = ((value * 1000).rounded(.down) + 0.5) / 1000
                for candidate in [value, nearHalf, value.nextUp, nearHalf.nextDown] {
                    #expect(LogText.format(milliseconds: sign * candidate) == Self.reference(sign * candidate),
                        "\(sign * candidate)")
                    compared += 1
                }
            }
        }
        #expect(compared == 18 * 2_000 * 4)
    }

    @Test func durationsReadFromLogsFormatWithoutTrailingZeros() {
        #expect(LogText.format(milliseconds: 137.340853) == "137.341")
        #expect(LogText.format(milliseconds: 1.5) == "1.5")
        #expect(LogText.format(milliseconds: 0.0204) == "0.02")
        #expect(LogText.format(milliseconds: 2_000) == "2000")
        #expect(LogText.format(milliseconds: 0.0001) == "0")
    }
}
