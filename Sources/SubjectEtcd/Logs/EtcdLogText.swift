import Foundation
import OperatorCore

/// etcd's duration spellings in log fields (the shared text helpers are OperatorCore's `LogText`).
enum EtcdLogText {
    /// Milliseconds from Go's `time.Duration` text (`111.479086ms`, `1.2s`, `2m3.5s`, `500µs`).
    static func milliseconds(_ text: String) -> Double? {
        guard let seconds = try? DurationText.seconds(text), seconds.isFinite, seconds >= 0 else { return nil }
        return seconds * 1000
    }
}
