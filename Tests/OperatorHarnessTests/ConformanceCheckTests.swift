import Foundation
import OperatorCore
import OperatorHarness
import Testing

@Suite("subject conformance check")
struct ConformanceCheckTests {
    /// A subject that breaks every rule the check knows.
    struct BrokenSubject: Subject {
        struct Snapshot: SubjectSnapshot {
            var observedAt = Date()
            func statusLines() -> [String] { [] }
        }

        struct Named: Invariant {
            var id: String
            var severity = Severity.warning
            var summary = "checks something"
            func evaluate(_ snapshot: Snapshot) -> [Violation] { [violation(on: .cluster, " ")] }
        }

        struct Knowledge: DiagnosisKnowledge {
            var taxonomy: [DiagnosisCategory] { [DiagnosisCategory("node-down", "down"), DiagnosisCategory("node-down", "again")] }
            var rules: [DiagnosisRule] { [DiagnosisRule(category: "disk-full") { _ in nil }] }
            func gatherEvidence(for request: EvidenceRequest, snapshot: Snapshot?) async -> DiagnosisEvidence { DiagnosisEvidence() }
        }

        struct SilentParser: ClusterLogParser {
            func parse(line: Substring) -> LogLineResult { .unparseable(reason: "") }
        }

        let name = "broken"
        let invariants: [any Invariant<Snapshot>] = [Named(id: "dup"), Named(id: "dup"), Named(id: "Bad_ID")]
        let knowledge = Knowledge()
        func observe() async throws -> Snapshot { Snapshot() }
    }

    @Test("a subject breaking each rule gets one problem per rule, each naming the subject and the fix")
    func findsEveryProblem() {
        let problems = SubjectConformance.check(
            BrokenSubject(), emptySnapshot: .init(), logParser: BrokenSubject.SilentParser(), garbageLines: 10)
        #expect(problems.allSatisfy { $0.hasPrefix("subject broken: ") })
        #expect(problems.contains { $0.contains("invariant id \"dup\" is used by 2 invariants") })
        #expect(problems.contains { $0.contains("invariant id \"Bad_ID\" does not look stable") })
        #expect(problems.contains { $0.contains("reports a violation on cluster with no message") })
        #expect(problems.contains { $0.contains("taxonomy id \"node-down\" is listed twice") })
        #expect(problems.contains { $0.contains("category \"disk-full\", which is not in the taxonomy") })
        #expect(problems.contains { $0.contains("the log parser rejects a garbage line with an empty reason") })
    }

    @Test("the tiny subject of this test target conforms")
    func tinySubjectConforms() {
        let subject = TinySubject(nodes: [])
        #expect(SubjectConformance.check(subject, emptySnapshot: .init(observedAt: Date(), nodes: [:])) == [])
    }
}
