import Foundation
import OperatorCore
@testable import OperatorConsole

/// Text a cluster or a model could send that a browser would run if a page printed it unescaped.
enum HostileText {
    static let script = "<script>alert(1)</script>"
    static let attribute = "\"><img src=x onerror=alert(1)>"
    /// Both, as one message.
    static let both = "store 2 said \(script) and \(attribute)"

    /// How the page must show them: as text.
    static let escapedScript = "&lt;script&gt;alert(1)&lt;/script&gt;"
    static let escapedAttribute = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"

    static func diagnosis(entity: Entity = Entity(kind: "store", id: "2")) -> Diagnosis {
        Diagnosis(
            summary: "Summary " + both,
            observation: "Observation " + script,
            rootCause: .init(category: "node-down", entity: entity, explanation: "Explanation " + attribute),
            confidence: 0.85,
            evidence: [
                .init(signal: "signal " + script, queryOrSource: "/pd/api/v1/stores " + attribute, value: "value " + attribute,
                      expected: "expected " + script, note: "note " + attribute, id: "s1"),
                // No id, no expected value: the row must not borrow the incident's.
                .init(signal: "store state", queryOrSource: "/pd/api/v1/stores", value: "Down"),
            ],
            alternatives: [
                .init(hypothesis: "hypothesis " + script, rejectedBecause: "rejected " + attribute,
                      claims: [Claim("alternative claim " + script, evidence: ["s1"])]),
            ],
            recommendedActions: [.init(action: "action " + script, rationale: "rationale " + attribute, risk: "low")],
            diagnoser: "offline",
            claims: [Claim("claim " + attribute, evidence: ["s1", "t1"])],
            unsupportedClaims: [ClaimProblem(claim: "unsupported " + script, problem: "problem " + attribute)])
    }
}
