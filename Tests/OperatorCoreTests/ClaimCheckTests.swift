import Foundation
import OperatorCore
import Testing

@Suite("Claims are checked against the context they were made from")
struct ClaimCheckTests {
    let at = Date(timeIntervalSince1970: 1_800_000_000)

    func context() -> DiagnosisContext {
        DiagnosisContext(
            subject: "fake",
            incident: ContextIncident(id: 1, rootEntity: Entity(kind: "node", id: "b"), rootInvariant: "node-down", title: "t"),
            tickets: [
                ContextTicket(
                    id: 7, invariant: "node-down", entity: Entity(kind: "node", id: "b"), severity: .critical, message: "b is down",
                    firstSeen: at, lastSeen: at, occurrences: 2, excerpt: .null)
            ],
            otherOpenTickets: [], taxonomy: [DiagnosisCategory("node-down", "a node stopped")],
            evidence: DiagnosisEvidence(
                signals: [
                    Signal("cluster.leader", entity: .cluster, value: .string("a"), source: "/status"),
                    Signal("node.reachable", entity: Entity(kind: "node", id: "b"), value: .bool(false), source: "/health"),
                ],
                metrics: [
                    MetricWindow(
                        name: "node.qps", query: "rate(x[1m])", entity: nil,
                        points: [MetricPoint(time: at, value: 10), MetricPoint(time: at, value: 30)])
                ]),
            builtAt: at)
    }

    @Test("every item gets an id, and ids survive an encode/decode round trip")
    func idsAreAssignedAndKept() throws {
        let c = context()
        #expect(c.evidence.signals.map(\.id) == ["s1", "s2"])
        #expect(c.evidence.metrics.map(\.id) == ["m1"])
        #expect(c.evidenceIDs == ["s1", "s2", "m1", "t7"])
        let decoded = try JSONDecoder.operatorDecoder.decode(DiagnosisContext.self, from: try JSONEncoder.operatorEncoder.encode(c))
        #expect(decoded == c)
    }

    @Test("a claim that matches the context passes; a contradicted, uncited or unknown one is a problem")
    func contradictionsAreFound() {
        let c = context()
        let leader = c.signal(named: "cluster.leader")!
        #expect(ClaimCheck.problems(in: leader.claim("a leads now"), against: c).isEmpty)
        #expect(ClaimCheck.problems(in: Claim("10 to 30 qps", evidence: ["m1"], facts: [Fact(evidence: "m1", atLeast: 10, atMost: 30)]), against: c).isEmpty)
        #expect(ClaimCheck.problems(in: Claim("b went down", evidence: ["t7"], facts: [Fact(evidence: "t7", equals: .string("node-down"))]), against: c).isEmpty)

        let wrongLeader = Claim("b leads now", evidence: ["s1"], facts: [Fact(evidence: "s1", equals: .string("b"))])
        let problems = ClaimCheck.problems(in: wrongLeader, against: c)
        #expect(problems.count == 1)
        #expect(problems.first?.problem.contains("\"a\"") == true, "\(problems)")
        #expect(ClaimCheck.problems(in: Claim("qps above 20", evidence: ["m1"], facts: [Fact(evidence: "m1", atLeast: 20)]), against: c).count == 1)
        #expect(ClaimCheck.problems(in: Claim("it is broken", evidence: []), against: c).first?.problem == "cites no evidence")
        #expect(ClaimCheck.problems(in: Claim("see s9", evidence: ["s9"]), against: c).count == 1)
    }

    @Test("audit: rules are rejected for an unsupported claim; a model's is listed and its confidence lowered")
    func auditPolicy() throws {
        let c = context()
        var d = Diagnosis(
            summary: "s", observation: "o", rootCause: .init(category: "node-down", entity: Entity(kind: "node", id: "b"), explanation: "e"),
            confidence: 0.9, evidence: [Diagnosis.Evidence(signal: "cluster.leader", queryOrSource: "/status", value: "b", id: "s1")],
            alternatives: [], recommendedActions: [], diagnoser: "offline",
            claims: [Claim("b leads now", evidence: ["s1"], facts: [Fact(evidence: "s1", equals: .string("b"))])])
        #expect(throws: DiagnosisValidationError.self) { try d.audit(against: c, strict: true) }
        try d.audit(against: c, strict: false)
        #expect(d.unsupportedClaims.count == 2)  // the claim, and the evidence item quoting the wrong value
        #expect(abs(d.confidence - 0.6) < 1e-9)
    }

    @Test("a diagnosis stored before claims existed still decodes")
    func oldDiagnosesDecode() throws {
        let old = #"{"summary":"s","observation":"o","root_cause":{"category":"c","entity":"node:b","explanation":"e"},"confidence":0.5,"evidence":[{"signal":"x","query_or_source":"q","value":"1"}],"alternatives":[{"hypothesis":"h","rejected_because":"r"}],"recommended_actions":[],"diagnoser":"offline","duration_ms":1}"#
        let d = try JSONDecoder.operatorDecoder.decode(Diagnosis.self, from: Data(old.utf8))
        #expect(d.claims.isEmpty && d.unsupportedClaims.isEmpty && d.alternatives[0].claims.isEmpty)
    }
}
