import OperatorCore
import ArgumentParser

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Operator against a baseline run in the same process: printed numbers and ratios.",
        discussion: """
            Build with optimisations for numbers worth recording: `swift run -c release operator bench all`. Docs/benchmarks.md keeps the latest table, the machine and the command.
            """,
        subcommands: [
            BenchAllCommand.self, BenchDetectionCommand.self, BenchTickCostCommand.self, BenchLogsCommand.self, BenchDiagnosisCommand.self,
            BenchResponsesCommand.self,
        ])
}

/// A benchmark's result table: rows of named measurements, printable as text, markdown or JSON.
struct BenchTable: Encodable {
    var title: String
    var columns: [String]
    var rows: [[String]]
    var notes: [String]

    func render(markdown: Bool) -> String {
        if markdown {
            var out = ["### \(title)", "", "| " + columns.joined(separator: " | ") + " |",
                       "|" + columns.map { _ in "---" }.joined(separator: "|") + "|"]
            out += rows.map { "| " + $0.joined(separator: " | ") + " |" }
            if !notes.isEmpty { out += [""] + notes.map { "- \($0)" } }
            return out.joined(separator: "\n")
        }
        var table = TextTable(columns.map { $0 })
        for r in rows { table.add(r) }
        return ([title, table.render(maxCell: 60)] + notes.map { "  \($0)" }).joined(separator: "\n")
    }
}

extension TextTable {
    init(_ headers: [String]) {
        self.init()
        self.headers = headers
    }
}

enum BenchFormat {
    static func number(_ x: Double, digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }
    static func ratio(_ a: Double, _ b: Double) -> String { b > 0 ? String(format: "%.2fx", a / b) : "-" }

    /// `1GiB`, `200MiB`, `5MB`, `1024` (bytes).
    static func bytes(_ text: String) throws -> Int {
        let units: [(String, Double)] = [("GiB", 1_073_741_824), ("MiB", 1_048_576), ("KiB", 1024), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3), ("B", 1)]
        let t = text.trimmingCharacters(in: .whitespaces)
        for (suffix, scale) in units where t.hasSuffix(suffix) {
            if let n = Double(t.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), n > 0, let bytes = Int(checking: n * scale) { return bytes }
        }
        if let n = Int(t), n > 0 { return n }
        throw CLIFailure("invalid size \"\(text)\"; write e.g. 1GiB, 200MiB or 5MB", exitCode: 2)
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let rank = max(0, min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1))
        return sorted[rank]
    }
}
