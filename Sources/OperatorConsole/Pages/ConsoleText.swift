import Foundation
import OperatorCore

/// How the console writes times, ages, durations and paths. Paths percent-encode what came from outside
/// (a cluster name) so it stays one path segment; the template escapes the result again for the attribute.
enum ConsoleText {
    static func time(_ date: Date) -> String { Timestamp.format(date) }

    /// `12 s ago`, `3 min ago`, `2 h ago`, `4 d ago`; `never` before the first tick.
    static func age(of date: Date?, now: Date) -> String {
        guard let date else { return "never" }
        let seconds = now.timeIntervalSince(date)
        guard seconds.isFinite else { return time(date) }
        if seconds < 0 { return "just now" }
        guard let s = Int64(checking: seconds, rounding: .down) else { return time(date) }
        if s < 120 { return "\(s) s ago" }
        if s < 7200 { return "\(s / 60) min ago" }
        if s < 172_800 { return "\(s / 3600) h ago" }
        return "\(s / 86400) d ago"
    }

    static func milliseconds(_ ms: Int?) -> String {
        guard let ms else { return "" }
        return "\(ms) ms"
    }

    static func percent(_ x: Double) -> String { NumberText.percent(x) }

    /// `/clusters/<name>`, the name as one percent-encoded path segment.
    static func clusterPath(_ name: String) -> String {
        "/clusters/" + pathSegment(name)
    }

    static func incidentPath(_ id: Int64) -> String { "/incidents/\(id)" }

    static func pathSegment(_ text: String) -> String {
        // ASCII only: `alphanumerics` would let any Unicode letter through unencoded.
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
