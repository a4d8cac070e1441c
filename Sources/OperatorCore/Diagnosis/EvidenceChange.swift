import Foundation

/// Whether an incident's evidence changed materially since its last diagnosis: the test that decides if a
/// recurrence is worth another diagnoser call (with a model diagnoser, a paid request).
///
/// Material, and each reason is named:
/// - the root changed (another invariant or entity is the violation nothing explains);
/// - a member ticket (invariant, entity) is in the incident that the last diagnosis did not see;
/// - a member's severity rose above what the last diagnosis saw;
/// - the subject's evidence fingerprint (`DiagnosisKnowledge.evidenceFingerprint`) differs, when the
///   subject defines one for both contexts.
///
/// Not material: the same tickets recurring, fewer tickets, lower severity, and metric values drifting
/// within what the subject's fingerprint ignores. Those are what a flapping fault produces.
public struct EvidenceChange: Sendable, Equatable {
    /// Why the evidence is materially different, one phrase each; empty when it is not.
    public var reasons: [String]
    /// What was compared, for the timeline when nothing changed.
    public var unchanged: String

    public var isMaterial: Bool { !reasons.isEmpty }

    public init(since previous: DiagnosisContext, now current: DiagnosisContext, fingerprint: (DiagnosisEvidence) -> String?) {
        var reasons: [String] = []
        let previousRoot = ViolationKey(invariant: previous.incident.rootInvariant, entity: previous.incident.rootEntity)
        let currentRoot = ViolationKey(invariant: current.incident.rootInvariant, entity: current.incident.rootEntity)
        if previousRoot != currentRoot {
            reasons.append("root changed: \(Self.describe(previousRoot)) → \(Self.describe(currentRoot))")
        }
        var seen: [ViolationKey: Severity] = [:]
        for t in previous.tickets {
            let key = ViolationKey(invariant: t.invariant, entity: t.entity)
            seen[key] = max(seen[key] ?? t.severity, t.severity)
        }
        for t in current.tickets {
            let key = ViolationKey(invariant: t.invariant, entity: t.entity)
            guard let before = seen[key] else {
                reasons.append("new ticket \(Self.describe(key))")
                continue
            }
            if t.severity > before {
                reasons.append("severity rose: \(Self.describe(key)) \(before.rawValue) → \(t.severity.rawValue)")
            }
        }
        let fingerprintBefore = fingerprint(previous.evidence)
        let fingerprintNow = fingerprint(current.evidence)
        if let fingerprintBefore, let fingerprintNow, fingerprintBefore != fingerprintNow {
            reasons.append("subject evidence changed (fingerprint \(fingerprintBefore) → \(fingerprintNow))")
        }
        self.reasons = reasons
        let keys = Set(current.tickets.map { ViolationKey(invariant: $0.invariant, entity: $0.entity) }).sorted()
        // A large incident would make a timeline line of every member; five name it well enough.
        let named = keys.prefix(5).map(Self.describe).joined(separator: ", ") + (keys.count > 5 ? " and \(keys.count - 5) more" : "")
        let fingerprintNote = fingerprintNow.map { "same evidence fingerprint \($0)" } ?? "the subject defines no evidence fingerprint"
        self.unchanged = """
            same root \(Self.describe(currentRoot)), no new ticket (\(named)), \
            no severity rise, \(fingerprintNote)
            """
    }

    static func describe(_ key: ViolationKey) -> String { "\(key.invariant) on \(key.entity)" }
}
