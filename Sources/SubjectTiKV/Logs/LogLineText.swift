import Foundation
import OperatorCore

/// TiKV's duration spellings in log fields (the shared text helpers are OperatorCore's `LogText`).
enum LogLineText {
    /// Milliseconds from TiKV's duration spellings: a bare integer is already milliseconds (`takes`,
    /// `LogCost`, §3.1); otherwise Rust's `Duration` debug form (`137.340853ms`, `1.5s`, `12µs`).
    static func milliseconds(_ text: String) -> Double? {
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 || $0 == 0x2E }), let ms = Double(text) {
            return ms
        }
        if let ms = singleUnitMilliseconds(text) { return ms }
        guard let seconds = try? DurationText.seconds(text), seconds.isFinite, seconds >= 0 else { return nil }
        return seconds * 1000
    }

    /// `137.340853ms`, `1.5s`, `12us`: one ASCII number and one unit, as nearly every slow log writes it,
    /// read on bytes with the arithmetic `DurationText.seconds` does (value × unit scale, then × 1000), so
    /// the result is the same double. `nil` for anything else, which `DurationText` then reads.
    private static func singleUnitMilliseconds(_ text: String) -> Double? {
        let utf8 = text.utf8
        guard let numberEnd = utf8.firstIndex(where: { !($0 >= 0x30 && $0 <= 0x39 || $0 == 0x2E) }),
            numberEnd != utf8.startIndex
        else { return nil }
        let scale: Double
        switch Substring(utf8[numberEnd...]) {
        case "ms": scale = 1e-3
        case "s": scale = 1
        case "us": scale = 1e-6
        case "ns": scale = 1e-9
        default: return nil
        }
        guard let value = Double(Substring(utf8[..<numberEnd])) else { return nil }
        let seconds = value * scale
        guard seconds.isFinite, seconds <= DurationText.maximumSeconds else { return nil }
        return seconds * 1000
    }
}
