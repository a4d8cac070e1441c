import Foundation

/// Left-aligned columns for terminal output; the last column is never padded. Shared by the CLI's
/// listings and the benchmark library's reports, which render their own tables.
public struct TextTable: Sendable {
    public var headers: [String]
    public var rows: [[String]] = []

    public init(_ headers: String...) { self.headers = headers }
    public init(_ headers: [String]) { self.headers = headers }
    public init() { self.headers = [] }

    public mutating func add(_ cells: String...) { rows.append(cells) }
    public mutating func add(_ cells: [String]) { rows.append(cells) }

    public func render(maxCell: Int = 80) -> String {
        let all = [headers] + rows.map { $0.map { Self.clip($0, maxCell) } }
        let widths = headers.indices.map { i in all.map { i < $0.count ? $0[i].count : 0 }.max() ?? 0 }
        return all.map { row in
            row.indices.map { i in
                i == row.count - 1 ? row[i] : row[i].padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    public static func clip(_ s: String, _ n: Int) -> String {
        let oneLine = s.replacingOccurrences(of: "\n", with: " ")
        return oneLine.count <= n ? oneLine : String(oneLine.prefix(n - 1)) + "…"
    }
}
