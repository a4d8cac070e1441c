import Foundation
import OperatorCore

/// Everything the program does with a snapshot, run on one for any subject: every invariant, the status
/// lines, the JSON the CLI writes, causal links, evidence gathering and the offline rules on an incident
/// rooted at the first violation and at `clusterRoot`. A trap anywhere fails the whole test process, which
/// is the point; what is merely wrong comes back as `problems` for the caller to expect empty.
public enum SubjectRobustness {
    public struct Outcome<Snapshot: SubjectSnapshot>: Sendable {
        public var evaluation: Evaluation<Snapshot>
        /// Broken promises, such as an invariant that gave neither a verdict nor a reason.
        public var problems: [String]
    }

    public static func exercise<S: Subject>(
        _ subject: S, _ s: S.Snapshot, clusterRoot invariant: String
    ) async -> Outcome<S.Snapshot> {
        let evaluation = subject.evaluate(s)
        var problems: [String] = []
        let ids = Set(subject.invariants.map(\.id))
        let judged = evaluation.evaluated.union(evaluation.skipped.keys)
        if judged != ids { problems.append("no verdict and no reason from \(ids.subtracting(judged).sorted())") }
        if !evaluation.evaluated.isDisjoint(with: evaluation.skipped.keys) {
            problems.append("both judged and skipped: \(evaluation.evaluated.intersection(evaluation.skipped.keys).sorted())")
        }
        for (id, reason) in evaluation.skipped where reason.isEmpty { problems.append("\(id) skipped without a reason") }
        _ = s.statusLines()
        _ = try? JSONEncoder.operatorEncoder.encode(s)
        for v in evaluation.violations { _ = try? JSONEncoder.operatorEncoder.encode(v) }

        let knowledge = subject.knowledge
        _ = knowledge.causalLinks(among: evaluation.violations, in: s)
        let tickets = evaluation.violations.enumerated().map { i, v in
            ContextTicket(
                id: Int64(i + 1), invariant: v.invariant, entity: v.entity, severity: v.severity, message: v.message,
                firstSeen: s.observedAt.addingTimeInterval(-60), lastSeen: s.observedAt, occurrences: 3, excerpt: v.excerpt)
        }
        var roots = Array(evaluation.violations.prefix(1).map { ($0.entity, $0.invariant) })
        roots.append((.cluster, invariant))
        for (entity, invariant) in roots {
            let request = EvidenceRequest(
                rootEntity: entity, tickets: tickets, window: DateInterval(start: s.observedAt.addingTimeInterval(-600), duration: 600))
            let evidence = await knowledge.gatherEvidence(for: request, snapshot: s)
            let context = DiagnosisContext(
                subject: subject.name, incident: ContextIncident(id: 1, rootEntity: entity, rootInvariant: invariant, title: "t"),
                tickets: tickets, otherOpenTickets: [], taxonomy: knowledge.taxonomy, evidence: evidence, builtAt: s.observedAt)
            let diagnosis = OfflineDiagnoser.reason(over: context, rules: knowledge.rules)
            _ = try? JSONEncoder.operatorEncoder.encode(diagnosis)
            _ = try? JSONEncoder.operatorEncoder.encode(context)
        }
        return Outcome(evaluation: evaluation, problems: problems)
    }
}
