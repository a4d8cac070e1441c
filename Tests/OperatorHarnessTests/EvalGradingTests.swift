import Foundation
import OperatorCore
import OperatorHarness
import OperatorTestSupport
import Testing

/// Grading and reporting on replayed outcomes: a stored etcd context, diagnoses built against it, and
/// outcomes as runs produce them. No cluster.
@Suite("eval grading: causes, incident counts, false statements, the report")
struct EvalGradingTests {
    static func context() throws -> DiagnosisContext {
        let url = PackagePaths.root.appendingPathComponent("Tests/Scenarios/contexts/etcd-member-down.json")
        return try JSONDecoder.operatorDecoder.decode(DiagnosisContext.self, from: Data(contentsOf: url))
    }

    static func diagnosis(category: String, entity: Entity, claims: [Claim], summary: String = "s", alternatives: [Diagnosis.Alternative] = [])
        -> Diagnosis
    {
        Diagnosis(
            summary: summary, observation: "o",
            rootCause: .init(category: category, entity: entity, explanation: claims.map(\.text).joined(separator: "; ")),
            confidence: 0.9, evidence: [], alternatives: alternatives, recommendedActions: [], diagnoser: "offline", claims: claims)
    }

    @Test("a claim the stored context contradicts and a forbidden text are both false statements; true ones are not")
    func falseStatements() throws {
        let context = try Self.context()
        // The stored context shows e1 not leading (member.is_leader = false).
        let e1Leads = try #require(context.evidence.signals.first { $0.name == "member.is_leader" && $0.entity == "member:e1" })
        let id = try #require(e1Leads.id)
        #expect(e1Leads.value == .bool(false))
        let wrong = Self.diagnosis(
            category: "node-down", entity: "member:e2",
            claims: [Claim("e1 leads now", evidence: [id], facts: [Fact(evidence: id, equals: .bool(true))])],
            alternatives: [.init(hypothesis: "quorum-lost", rejectedBecause: "No leader can be elected")])
        let right = Self.diagnosis(
            category: "node-down", entity: "member:e2",
            claims: [Claim("e1 does not lead", evidence: [id], facts: [Fact(evidence: id, equals: .bool(false))])])

        let records = [DiagnosisRecord(diagnosis: wrong, context: context), DiagnosisRecord(diagnosis: right, context: context)]
        #expect(records[0].problems.count == 1)
        #expect(records[1].problems.isEmpty)
        let found = EvalGrading.falseStatements(forbid: ["no leader can be elected", "e9 leads"], diagnoses: records + records)
        // Each distinct statement once, however often it was said.
        #expect(found.count == 2)
        #expect(found.contains { $0.statement == "e1 leads now" && $0.reason.hasPrefix("unsupported claim: asserts member.is_leader = true") })
        #expect(found.contains { $0.statement == "No leader can be elected" && $0.reason == "forbidden by the scenario (\"no leader can be elected\")" })
        #expect(EvalGrading.falseStatements(forbid: ["e9 leads"], diagnoses: [records[1]]).isEmpty)
    }

    @Test("the first cause is graded on the primary incident, further ones on any incident of the run")
    func causes() {
        let causes: [EvalScenario.Expectation] = [.init(category: "node-unresponsive", entity: "member:e3"), .init(category: "db-quota", entity: "member:e2")]
        let finals = [EvalRunner.Outcome.Got(category: "node-down", entity: "member:e3"), .init(category: "db-quota", entity: "member:e2")]
        let graded = EvalGrading.causes(causes, primary: .init(category: "node-down", entity: "member:e3"), finals: finals)
        #expect(graded.map(\.correct) == [false, true])
        let missing = EvalGrading.causes(causes, primary: .init(category: "node-unresponsive", entity: "member:e3"), finals: [])
        #expect(missing.map(\.correct) == [true, false])
        #expect(missing[1].got == nil)
    }

    static func outcome(
        _ name: String, run: Int = 1, expected: String, got: String?, incidents: Int? = 1, want: IncidentCount? = .init(exactly: 1),
        falseStatements: [FalseStatement] = [], skipped: String? = nil, error: String? = nil
    ) -> EvalRunner.Outcome {
        let cause = EvalScenario.Expectation(category: expected, entity: "member:e3")
        let g = got.map { EvalRunner.Outcome.Got(category: $0, entity: "member:e3") }
        return EvalRunner.Outcome(
            name: name, run: run, expected: cause, got: g, incidents: incidents, expectedIncidents: want,
            falseStatements: falseStatements, skipped: skipped, error: error)
    }

    @Test("the report scores category+entity, per category, a confusion table, incident counts, false statements, flakiness, skips")
    func report() throws {
        let lie = FalseStatement(incident: 1, statement: "e3 leads now", reason: "forbidden by the scenario (\"e3 leads\")")
        let results = [
            Self.outcome("frozen", run: 1, expected: "node-unresponsive", got: "node-unresponsive"),
            Self.outcome("frozen", run: 2, expected: "node-unresponsive", got: "node-down", incidents: 2),
            Self.outcome("nospace", run: 1, expected: "db-quota", got: "db-quota", falseStatements: [lie]),
            Self.outcome("nospace", run: 2, expected: "db-quota", got: "db-quota", falseStatements: [lie]),
            Self.outcome("crash", run: 1, expected: "node-down", got: nil, incidents: nil, error: "no ticket"),
            Self.outcome("crash", run: 2, expected: "node-down", got: "node-down", want: nil),
            Self.outcome("slow", run: 1, expected: "slow-disk", got: nil, incidents: nil, skipped: "no cgroup I/O controller"),
            Self.outcome("slow", run: 2, expected: "slow-disk", got: nil, incidents: nil, skipped: "no cgroup I/O controller"),
        ]
        let report = EvalReport(diagnoser: "offline", repeats: 2, results: results)
        #expect(report.graded == 6)
        #expect(report.correct == 4)
        #expect(abs(report.accuracy - 4.0 / 6.0) < 1e-9)
        #expect(report.categories.map(\.category) == ["db-quota", "node-down", "node-unresponsive"])
        let unresponsive = report.categories.first { $0.category == "node-unresponsive" }
        #expect(unresponsive?.correct == 1 && unresponsive?.expected == 2)
        #expect(report.confusion.contains { $0.expected == "node-unresponsive" && $0.got == "node-down" && $0.count == 1 })
        #expect(report.confusion.contains { $0.expected == "node-down" && $0.got == "error" && $0.count == 1 })
        // Incident counts: graded where stated (5 runs), right in 3 (the failed run has none, the second frozen run 2).
        #expect(report.incidentGraded == 5)
        #expect(report.incidentCorrect == 3)
        #expect(report.falseStatementCount == 2)
        #expect(report.skipped.map(\.scenario) == ["slow"])
        #expect(report.skipped.map(\.reason) == ["no cgroup I/O controller"])
        #expect(report.stability.map(\.scenario) == ["frozen", "nospace", "crash"])
        #expect(report.stability.map(\.flaky) == [true, false, true])
        #expect(report.stability.map(\.passed) == [1, 0, 1])

        let misses = report.shortfalls(requireAccuracy: 0.9, requireIncidentAccuracy: 0.9, maxFalseStatements: 0)
        #expect(misses.count == 3)
        #expect(misses[0].contains("67%") && misses[0].contains("4/6"))
        #expect(report.shortfalls(requireAccuracy: 0.5, requireIncidentAccuracy: 0.5, maxFalseStatements: 2).isEmpty)

        let json = try JSONSerialization.jsonObject(with: JSONEncoder.operatorEncoder.encode(report)) as? [String: Any]
        for key in ["accuracy", "categories", "confusion", "incident_accuracy", "false_statement_count", "false_statements", "stability", "skipped", "results"] {
            #expect(json?[key] != nil, "JSON carries \(key)")
        }
    }

    @Test("scenario files state incident counts, forbidden statements, several causes, setup and recipe options; old ones still load")
    func scenarioFormat() throws {
        let dir = try TemporaryDirectory(prefix: "operator-eval-format")
        defer { dir.remove() }
        let registry = SubjectRegistry([TinySubjectEvalTests.registration(python: "python3")])
        try """
            subject: tiny
            cluster: { members: 3, options: { quota-backend-bytes: "1048576" } }
            setup: [{ kind: stop, target: "node:n1" }]
            faults: [{ kind: stop, target: "node:n2" }, { kind: node-down, target: "node:n3", at: 2s }]
            expect:
              causes: [{ category: node-down, entity: "node:n2" }, { category: node-down, entity: "node:n3" }]
              incidents: 1-2
              forbid: ["n2 leads"]
            """.write(toFile: dir.file("pair.yaml"), atomically: true, encoding: .utf8)
        let pair = try EvalScenario.load(dir.file("pair.yaml"), registry: registry)
        #expect(pair.grading.causes.map(\.entity) == ["node:n2", "node:n3"])
        #expect(pair.expect.entity == "node:n2")
        #expect(pair.grading.incidents == IncidentCount(min: 1, max: 2))
        #expect(pair.grading.forbid == ["n2 leads"])
        #expect(pair.setup.map(\.target) == ["node:n1"])
        #expect(pair.cluster.options == ["quota-backend-bytes": "1048576"])

        try "subject: tiny\nfaults: [{ kind: stop, target: \"node:n1\" }]\nexpect: { category: node-down, entity: \"node:n1\" }\n"
            .write(toFile: dir.file("old.yaml"), atomically: true, encoding: .utf8)
        let old = try EvalScenario.load(dir.file("old.yaml"), registry: registry)
        #expect(old.grading == .init(causes: [.init(category: "node-down", entity: "node:n1")]))

        for (name, body, says) in [
            ("count.yaml", "expect: { category: node-down, entity: \"node:n1\", incidents: \"lots\" }", "incidents must be a count"),
            ("range.yaml", "expect: { category: node-down, entity: \"node:n1\", incidents: 3-1 }", "need 0 ≤ min ≤ max"),
            ("half.yaml", "expect: { category: node-down, incidents: 1 }", "needs both `category` and `entity`"),
            ("forbid.yaml", "expect: { category: node-down, entity: \"node:n1\", forbid: [\" \"] }", "empty statement"),
        ] {
            try "subject: tiny\nfaults: [{ kind: stop, target: \"node:n1\" }]\n\(body)\n".write(toFile: dir.file(name), atomically: true, encoding: .utf8)
            let error = #expect(throws: HarnessError.self) { try EvalScenario.load(dir.file(name), registry: registry) }
            #expect(error?.description.contains(name) == true, "names the file")
            #expect(error?.description.contains(says) == true, "\(error?.description ?? "") says \(says)")
        }
    }

    @Test("the corpus in Tests/Scenarios loads, and every real-etcd scenario states causes, an incident count and forbidden statements")
    func corpusLoads() throws {
        let directory = PackagePaths.root.appendingPathComponent("Tests/Scenarios").path
        let files = try EvalScenario.files(in: directory).filter { ($0 as NSString).lastPathComponent.hasPrefix("4") }
        #expect(files.count >= 9)
        for file in files {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            #expect(text.contains("subject: etcd"), "\(file)")
            #expect(text.contains("incidents:"), "\(file)")
            #expect(text.contains("forbid:"), "\(file)")
        }
    }
}
