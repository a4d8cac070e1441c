import OperatorCore

/// A diagnosis for people: summary, root cause, evidence table, alternatives, actions.
enum DiagnosisRendering {
    static func render(_ d: Diagnosis) -> String {
        var out: [String] = []
        out.append("Summary: \(d.summary)")
        out.append("")
        out.append("Root cause: \(d.rootCause.category) on \(d.rootCause.entity) (confidence \(percent(d.confidence)))")
        out.append("  \(d.rootCause.explanation)")
        out.append("")
        out.append("Observation: \(d.observation)")
        out.append("")
        out.append("Evidence:")
        var evidence = TextTable("  SIGNAL", "VALUE", "EXPECTED", "SOURCE", "NOTE")
        for e in d.evidence {
            evidence.add("  " + e.signal, e.value, e.expected ?? "-", e.queryOrSource, e.note ?? "")
        }
        out.append(evidence.render(maxCell: 70))
        out.append("")
        out.append("Alternatives considered:")
        for a in d.alternatives {
            out.append("  - \(a.hypothesis)")
            out.append("    rejected: \(a.rejectedBecause)")
        }
        out.append("")
        out.append("Recommended actions (observe-only; nothing was executed):")
        for (i, a) in d.recommendedActions.enumerated() {
            out.append("  \(i + 1). \(a.action) [risk: \(a.risk)]")
            out.append("     why: \(a.rationale)")
        }
        var by = "Diagnosed by \(d.diagnoser)"
        if let model = d.model { by += " (\(model))" }
        by += " in \(d.durationMs) ms"
        if let i = d.inputTokens, let o = d.outputTokens { by += ", \(i) input / \(o) output tokens" }
        out.append("")
        out.append(by)
        return out.joined(separator: "\n")
    }

    static func percent(_ x: Double) -> String { NumberText.percent(x) }
}
