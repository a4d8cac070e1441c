import Foundation

/// The default diagnoser: runs the subject's correlation rules over the context, no network involved.
///
/// The best-supported hypothesis becomes the root cause; every other answer becomes a rejected
/// alternative, with the evidence its rule gave against it.
public struct OfflineDiagnoser: Diagnoser {
    public let name = "offline"
    private let rules: [DiagnosisRule]

    public init(rules: [DiagnosisRule]) {
        self.rules = rules
    }

    public func diagnose(_ context: DiagnosisContext) async throws -> Diagnosis {
        let start = ContinuousClock.now
        var diagnosis = Self.reason(over: context, rules: rules)
        diagnosis.durationMs = Int(((ContinuousClock.now - start).seconds * 1000).rounded())
        return diagnosis
    }

    /// The pure part: same context and rules, same diagnosis.
    public static func reason(over context: DiagnosisContext, rules: [DiagnosisRule]) -> Diagnosis {
        let root = context.rootTicket
        let rootEntity = context.incident.rootEntity
        // Stable order: score, then the rule's position, so ties resolve the same way every run.
        let ranked = rules.enumerated()
            .compactMap { index, rule in rule.evaluate(context).map { (index, $0) } }
            .sorted { $0.1.score != $1.1.score ? $0.1.score > $1.1.score : $0.0 < $1.0 }
            .map(\.1)

        let best =
            ranked.first
            ?? Hypothesis(
                category: context.taxonomy.first?.id ?? "unclassified", entity: rootEntity, score: 0.1,
                explanation: "No correlation rule matched; the violation itself is the only evidence.")

        var evidence = best.supporting
        if evidence.isEmpty, let root {
            evidence.append(
                Diagnosis.Evidence(
                    signal: root.invariant, queryOrSource: "ticket #\(root.id.map(String.init) ?? "?")",
                    value: root.message, note: "the violation that opened the incident"))
        }

        var alternatives: [Diagnosis.Alternative] = []
        var seen: Set<String> = ["\(best.category)@\(best.entity)"]
        for h in ranked.dropFirst() where seen.insert("\(h.category)@\(h.entity)").inserted {
            let because =
                h.against
                ?? String(
                    format: "weaker support than %@ (score %.2f vs %.2f)", best.category, h.score, best.score)
            alternatives.append(
                Diagnosis.Alternative(
                    hypothesis: "\(h.category) on \(h.entity): \(h.explanation)", rejectedBecause: because,
                    claims: h.against == nil ? [] : h.againstClaims))
        }
        if alternatives.isEmpty {
            alternatives.append(
                Diagnosis.Alternative(
                    hypothesis: "transient blip on \(rootEntity) that clears by itself",
                    rejectedBecause:
                        "the violation was seen on \(root?.occurrences ?? 1) tick(s) and is still open when diagnosed"))
        }

        var actions = best.actions
        if actions.isEmpty {
            actions.append(
                Diagnosis.RecommendedAction(
                    action: "Inspect \(rootEntity) and its recent logs",
                    rationale: "the rules could not narrow the cause further", risk: "low"))
        }

        let observation = Self.observation(of: context)
        let summary =
            "\(best.category) on \(best.entity): \(best.explanation)"
            + (context.tickets.count > 1 ? " It explains \(context.tickets.count - 1) related violation(s)." : "")
        return Diagnosis(
            summary: summary, observation: observation,
            rootCause: .init(category: best.category, entity: best.entity, explanation: best.explanation),
            confidence: (best.score * 100).rounded() / 100, evidence: evidence, alternatives: alternatives,
            recommendedActions: actions, diagnoser: "offline", model: nil, durationMs: 0, claims: best.claims)
    }

    /// What was seen: the incident's violations in one paragraph.
    static func observation(of context: DiagnosisContext) -> String {
        let lines = context.tickets.map { t in
            "\(t.invariant) on \(t.entity) (\(t.severity.rawValue), seen \(t.occurrences)x since \(Timestamp.format(t.firstSeen))): \(t.message)"
        }
        var text = lines.joined(separator: "; ")
        if !context.otherOpenTickets.isEmpty {
            text += ". Also open elsewhere: "
                + context.otherOpenTickets.map { "\($0.invariant) on \($0.entity)" }.joined(separator: ", ")
        }
        return text.isEmpty ? "no violations recorded" : text + "."
    }
}
