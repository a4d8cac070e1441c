import Foundation
import OperatorCore
import PrometheusClient
import Testing

@testable import SubjectTiKV

/// Everything the program does with a snapshot, run on one: every invariant, the status lines, the JSON the
/// CLI writes, causal links, evidence gathering and the offline rules on an incident rooted at each
/// violation (and on the cluster). A trap anywhere fails the whole test process, which is the point.
enum TiKVRobustness {
    static let subject: TiKVSubject = {
        do {
            return try TiKVSubject(configuration: SubjectConfiguration(endpoints: ["http://127.0.0.1:1"]))
        } catch {
            fatalError("the default TiKV configuration must be valid: \(error)")
        }
    }()
    static let knowledge = TiKVKnowledge()

    /// Runs everything; records an issue when an invariant gives neither a verdict nor a reason.
    @discardableResult
    static func exercise(_ s: TiKVSnapshot, _ label: @autoclosure () -> String) async -> Evaluation<TiKVSnapshot> {
        let evaluation = subject.evaluate(s)
        let ids = Set(subject.invariants.map(\.id))
        let judged = evaluation.evaluated.union(evaluation.skipped.keys)
        #expect(judged == ids, "every invariant gives a verdict or a reason (\(label()))")
        #expect(evaluation.evaluated.isDisjoint(with: evaluation.skipped.keys), "\(label())")
        for reason in evaluation.skipped.values { #expect(!reason.isEmpty, "\(label())") }
        _ = s.statusLines()
        _ = try? JSONEncoder.operatorEncoder.encode(s)
        for v in evaluation.violations { _ = try? JSONEncoder.operatorEncoder.encode(v) }

        _ = knowledge.causalLinks(among: evaluation.violations, in: s)
        let tickets = evaluation.violations.enumerated().map { i, v in
            ContextTicket(
                id: Int64(i + 1), invariant: v.invariant, entity: v.entity, severity: v.severity, message: v.message,
                firstSeen: s.observedAt.addingTimeInterval(-60), lastSeen: s.observedAt, occurrences: 3, excerpt: v.excerpt)
        }
        var roots = Array(evaluation.violations.prefix(1).map { ($0.entity, $0.invariant) })
        roots.append((.cluster, "replication-degraded"))
        for (entity, invariant) in roots {
            let request = EvidenceRequest(
                rootEntity: entity, tickets: tickets, window: DateInterval(start: s.observedAt.addingTimeInterval(-600), duration: 600))
            let evidence = await knowledge.gatherEvidence(for: request, snapshot: s)
            let context = DiagnosisContext(
                subject: "tikv", incident: ContextIncident(id: 1, rootEntity: entity, rootInvariant: invariant, title: "t"),
                tickets: tickets, otherOpenTickets: [], taxonomy: knowledge.taxonomy, evidence: evidence, builtAt: s.observedAt)
            let diagnosis = OfflineDiagnoser.reason(over: context, rules: knowledge.rules)
            _ = try? JSONEncoder.operatorEncoder.encode(diagnosis)
            _ = try? JSONEncoder.operatorEncoder.encode(context)
        }
        return evaluation
    }
}
