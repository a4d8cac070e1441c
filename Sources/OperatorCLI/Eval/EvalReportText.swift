import Foundation
import OperatorCore
import OperatorHarness

/// `operator eval`'s text report: one row per run, then the scores, the confusion table, the false
/// statements, the skips and (with `--repeat`) the flaky scenarios.
enum EvalReportText {
    static func render(_ report: EvalReport) -> String {
        var lines: [String] = []
        // A model diagnoser's calls cost tokens, time and (with diagnosis.price_per_mtok) money: shown per run.
        let modelRan = report.diagnoser != "offline"
        let priced = report.model.costUSD != nil
        var table = TextTable("SCENARIO", "EXPECTED", "GOT", "CORRECT", "INCIDENTS", "FALSE", "DIAGNOSER CALLS", "SECONDS")
        if modelRan { table.headers += ["TOKENS IN/OUT", "MODEL SECONDS"] + (priced ? ["COST"] : []) }
        for r in report.results {
            let name = report.repeats > 1 ? "\(r.name) #\(r.run)" : r.name
            var row: [String]
            if let reason = r.skipped {
                row = [name, expected(r), "skipped: \(reason)", "-", "-", "-", "0", String(format: "%.1f", r.seconds)]
            } else {
                let others = r.diagnoserCallsTotal - r.diagnoserCalls
                row = [name, expected(r), got(r), r.correct ? "yes" : "NO", incidents(r), "\(r.falseStatements.count)",
                       "\(r.diagnoserCalls)" + (others > 0 ? " (+\(others) other incidents)" : ""), String(format: "%.1f", r.seconds)]
            }
            if modelRan { row += modelCells(r.model, priced: priced) }
            table.add(row)
        }
        lines.append(table.render(maxCell: 90))
        lines.append("")
        lines.append("accuracy: \(report.correct)/\(report.graded) = \(EvalReport.percent(report.accuracy)) (diagnoser: \(report.diagnoser))")
        if let incident = report.incidentAccuracy {
            lines.append("incident count: \(report.incidentCorrect)/\(report.incidentGraded) = \(EvalReport.percent(incident))")
        } else {
            lines.append("incident count: not graded (no scenario states `expect.incidents`)")
        }
        lines.append("false statements: \(report.falseStatementCount)")
        let cost = report.diagnoser == "offline" ? "offline: local rules, no request, free" : "\(report.diagnoser): one model request each"
        lines.append("diagnoser calls: \(report.diagnoserCalls) in \(report.results.count) runs (\(cost))")
        if modelRan {
            let m = report.model
            lines.append(
                "model: \(m.calls) calls, \(m.inputTokens) tokens in, \(m.outputTokens) tokens out, \(String(format: "%.1f", m.seconds)) s"
                    + (m.costUSD.map { ", " + dollars($0) } ?? " (no diagnosis.price_per_mtok: no cost)"))
        }

        if !report.categories.isEmpty {
            lines.append("")
            var categories = TextTable("EXPECTED CATEGORY", "CORRECT", "ACCURACY")
            for c in report.categories { categories.add(c.category, "\(c.correct)/\(c.expected)", EvalReport.percent(c.accuracy)) }
            lines.append(categories.render())
            lines.append("")
            lines.append(confusion(report))
        }
        if !report.falseStatements.isEmpty {
            lines.append("")
            lines.append("false statements:")
            for s in report.falseStatements {
                let run = report.repeats > 1 ? " #\(s.run)" : ""
                let incident = s.incident.map { " incident #\($0)" } ?? ""
                lines.append("  \(s.scenario)\(run)\(incident): \"\(s.statement)\" — \(s.reason)")
            }
        }
        if !report.skipped.isEmpty {
            lines.append("")
            lines.append("skipped (not graded):")
            for s in report.skipped { lines.append("  \(s.scenario): \(s.reason)") }
        }
        if report.repeats > 1 {
            let flaky = report.stability.filter(\.flaky)
            lines.append("")
            lines.append("flakiness over \(report.repeats) runs each: \(flaky.count) flaky scenario(s)")
            for s in report.stability {
                lines.append("  \(s.scenario): passed \(s.passed)/\(s.runs)\(s.flaky ? " FLAKY" : "")")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Rows: expected category; columns: what was diagnosed; cells: how often.
    static func confusion(_ report: EvalReport) -> String {
        var columns: [String] = []
        for cell in report.confusion where !columns.contains(cell.got) { columns.append(cell.got) }
        columns.sort()
        var rows: [String] = []
        for cell in report.confusion where !rows.contains(cell.expected) { rows.append(cell.expected) }
        var table = TextTable()
        table.headers = ["EXPECTED \\ GOT"] + columns
        for row in rows {
            table.add([row] + columns.map { column in
                let n = report.confusion.first { $0.expected == row && $0.got == column }?.count ?? 0
                return n == 0 ? "." : "\(n)"
            })
        }
        return table.render(maxCell: 40)
    }

    private static func modelCells(_ m: ModelUsage, priced: Bool) -> [String] {
        ["\(m.inputTokens)/\(m.outputTokens)", String(format: "%.1f", m.seconds)] + (priced ? [m.costUSD.map(dollars) ?? "-"] : [])
    }

    static func dollars(_ value: Double) -> String { String(format: "$%.4f", value) }

    private static func expected(_ r: EvalRunner.Outcome) -> String {
        r.causes.map { "\($0.expected.category) on \($0.expected.entity)" }.joined(separator: " + ")
    }

    private static func got(_ r: EvalRunner.Outcome) -> String {
        if r.got == nil, let error = r.error { return "error: \(error)" }
        return r.causes.map { $0.got.map { "\($0.category) on \($0.entity)" } ?? "-" }.joined(separator: " + ")
    }

    private static func incidents(_ r: EvalRunner.Outcome) -> String {
        let got = r.incidents.map(String.init) ?? "-"
        guard let expected = r.expectedIncidents else { return got }
        return "\(got) (want \(expected))" + (r.incidentsCorrect == false ? " NO" : "")
    }
}
