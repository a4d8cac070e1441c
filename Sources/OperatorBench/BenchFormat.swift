import Foundation
import OperatorCore

/// How benchmark tables write numbers: durations with a readable unit, ratios as `3.10x`, byte counts,
/// grouped thousands. Missing values are `-`, never a trap.
public enum BenchFormat {
    public static func number(_ x: Double, digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }
    public static func ratio(_ a: Double, _ b: Double) -> String { b > 0 ? String(format: "%.2fx", a / b) : "-" }

    /// `a / b` as `3.10x`, or `-` when either side is missing.
    public static func ratio(_ a: Double?, _ b: Double?) -> String {
        guard let a, let b, a.isFinite, b.isFinite else { return "-" }
        return ratio(a, b)
    }

    public static func ratioValue(_ a: Double?, _ b: Double?) -> Double? {
        guard let a, let b, a.isFinite, b.isFinite, b > 0 else { return nil }
        return a / b
    }

    /// `1GiB`, `200MiB`, `5MB`, `1024` (bytes).
    public static func bytes(_ text: String) throws(BenchmarkError) -> Int {
        let units: [(String, Double)] = [("GiB", 1_073_741_824), ("MiB", 1_048_576), ("KiB", 1024), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3), ("B", 1)]
        let t = text.trimmingCharacters(in: .whitespaces)
        for (suffix, scale) in units where t.hasSuffix(suffix) {
            if let n = Double(t.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), n > 0, let bytes = Int(checking: n * scale) { return bytes }
        }
        if let n = Int(t), n > 0 { return n }
        throw .badInput("invalid size \"\(text)\"; write e.g. 1GiB, 200MiB or 5MB")
    }

    public static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let rank = max(0, min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1))
        return sorted[rank]
    }

    /// Seconds with a unit that keeps three significant figures readable: `2.01 s`, `412 ms`, `38 µs`.
    public static func duration(_ seconds: Double?) -> String {
        guard let s = seconds, s.isFinite else { return "-" }
        if s >= 1 { return String(format: "%.2f s", s) }
        if s >= 0.001 { return String(format: s >= 0.1 ? "%.0f ms" : "%.1f ms", s * 1000) }
        return String(format: s >= 0.0001 ? "%.0f µs" : "%.1f µs", s * 1_000_000)
    }

    /// Seconds as a plain number for columns headed "s".
    public static func seconds(_ seconds: Double?, digits: Int = 2) -> String {
        guard let s = seconds, s.isFinite else { return "-" }
        return number(s, digits: digits)
    }

    /// `412 MiB`, `1.2 GiB`.
    public static func byteCount(_ count: Int?) -> String {
        guard let count else { return "-" }
        let units = ["B", "KiB", "MiB", "GiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: value < 10 ? "%.1f" : "%.0f", value) + " " + units[unit]
    }

    /// `1,000,000`.
    public static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }
}
