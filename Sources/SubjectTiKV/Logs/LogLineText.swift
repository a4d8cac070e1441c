import Foundation
import OperatorCore

/// TiKV's duration spellings in log fields (the shared text helpers are OperatorCore's `LogText`).
enum LogLineText {
    /// Milliseconds from TiKV's duration spellings: a bare integer is already milliseconds (`takes`,
    /// `LogCost`, §3.1); otherwise Rust's `Duration` debug form (`137.340853ms`, `1.5s`, `12µs`).
    static func milliseconds(_ text: String) -> Double? {
        if let ms = Double(text), !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 || $0 == 0x2E }) {
            return ms
        }
        guard let seconds = try? DurationText.seconds(text), seconds.isFinite, seconds >= 0 else { return nil }
        return seconds * 1000
    }
}
