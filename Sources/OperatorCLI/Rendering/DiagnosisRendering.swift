import OperatorCore

/// A diagnosis for people: summary, root cause with its claims and the evidence ids they cite, the evidence
/// table with ids, unsupported claims, alternatives, actions. Ids (`s3` signal, `m1` metric window, `l4` log
/// event, `t12` ticket) point into the context stored with the diagnosis.
enum DiagnosisRendering {
    static func render(_ d: Diagnosis) -> String {
        var out: [String] = []
        out.append("Summary: \(d.summary)")
        out.append("")
        out.append("Root cause: \(d.rootCause.category) on \(d.rootCause.entity) (confidence \(percent(d.confidence)))")
        out.append("  \(d.rootCause.explanation)")
        if !d.claims.isEmpty {
            out.append("")
            out.append("Claims (each cites the context evidence it rests on):")
            out += d.claims.map { "  - " + claim($0) }
        }
        if !d.unsupportedClaims.isEmpty {
            out.append("")
            out.append("Unsupported claims (the context does not back them; confidence lowered 15 points each):")
            out += d.unsupportedClaims.map { "  ! \"\($0.claim)\": \($0.problem)" }
        }
        out.append("")
        out.append("Observation: \(d.observation)")
        out.append("")
        out.append("Evidence:")
        var evidence = TextTable("  ID", "SIGNAL", "VALUE", "EXPECTED", "SOURCE", "NOTE")
        for e in d.evidence {
            evidence.add("  " + (e.id ?? "-"), e.signal, e.value, e.expected ?? "-", e.queryOrSource, e.note ?? "")
        }
        out.append(evidence.render(maxCell: 70))
        out.append("")
        out.append("Alternatives considered:")
        for a in d.alternatives {
            out.append("  - \(a.hypothesis)")
            out.append("    rejected: \(a.rejectedBecause)")
            out += a.claims.map { "      · " + claim($0) }
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

    /// `text [s1, t12]`, or `text [no evidence cited]`.
    static func claim(_ c: Claim) -> String {
        c.text + " [" + (c.evidence.isEmpty ? "no evidence cited" : c.evidence.joined(separator: ", ")) + "]"
    }

    static func percent(_ x: Double) -> String { NumberText.percent(x) }
}
