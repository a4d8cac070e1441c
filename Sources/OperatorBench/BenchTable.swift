import OperatorCore

/// A benchmark's result table: rows of named measurements, printable as text, markdown or JSON.
public struct BenchTable: Encodable, Sendable {
    public var title: String
    public var columns: [String]
    public var rows: [[String]]
    public var notes: [String]

    public init(title: String, columns: [String], rows: [[String]], notes: [String]) {
        self.title = title
        self.columns = columns
        self.rows = rows
        self.notes = notes
    }

    /// Markdown as Docs/benchmarks.md records it, or aligned text for a terminal.
    public func render(markdown: Bool) -> String {
        if markdown {
            var out = ["### \(title)", "", "| " + columns.joined(separator: " | ") + " |",
                       "|" + columns.map { _ in "---" }.joined(separator: "|") + "|"]
            out += rows.map { "| " + $0.joined(separator: " | ") + " |" }
            if !notes.isEmpty { out += [""] + notes.map { "- \($0)" } }
            return out.joined(separator: "\n")
        }
        var table = TextTable(columns)
        for r in rows { table.add(r) }
        return ([title, table.render(maxCell: 60)] + notes.map { "  \($0)" }).joined(separator: "\n")
    }
}
