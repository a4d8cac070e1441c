import Foundation
import Logging
import OperatorConfiguration
import OperatorCore
import OperatorHarness
import OperatorTestSupport
import Testing

/// An eval run reports what its model calls cost: calls, tokens in and out as the diagnoser's replies
/// stated them, seconds, and dollars at `diagnosis.price_per_mtok`.
@Suite("eval: model calls, tokens, seconds and cost per scenario")
struct EvalModelUsageTests {
    /// Answers like a model diagnoser does: a diagnosis carrying the server's token counts; the first
    /// `failures` calls fail (a model call that errors still took its time and counts as a call).
    final class TokenSpendingDiagnoser: Diagnoser, EvalDiagnoserMaking {
        let name = "priced-model"
        let inputTokens: Int, outputTokens: Int

        init(inputTokens: Int, outputTokens: Int) {
            self.inputTokens = inputTokens
            self.outputTokens = outputTokens
        }

        func make<S: Subject>(for subject: S) throws -> any Diagnoser { self }

        func diagnose(_ context: DiagnosisContext) async throws -> Diagnosis {
            Diagnosis(
                summary: "node n2 stopped", observation: "n2 down",
                rootCause: .init(category: "node-down", entity: context.incident.rootEntity, explanation: "n2 is gone"), confidence: 0.8,
                evidence: [.init(signal: "node.up", queryOrSource: "GET /", value: "refused")],
                alternatives: [.init(hypothesis: "network", rejectedBecause: "n1 answers")],
                recommendedActions: [.init(action: "restart n2", rationale: "it stopped", risk: "low")], diagnoser: name,
                inputTokens: inputTokens, outputTokens: outputTokens)
        }
    }

    /// A model diagnoser whose reply is cut at max_tokens: nothing comes of the call, but it was paid for.
    struct Cut: ModelUsageReporting {
        var spentInputTokens: Int
        var spentOutputTokens: Int
    }

    final class CutDiagnoser: Diagnoser, EvalDiagnoserMaking {
        let name = "cut-model"
        func make<S: Subject>(for subject: S) throws -> any Diagnoser { self }
        func diagnose(_ context: DiagnosisContext) async throws -> Diagnosis { throw Cut(spentInputTokens: 7800, spentOutputTokens: 1200) }
    }

    static let registry = SubjectRegistry([
        SubjectRegistration(name: "tiny", summary: "plain HTTP servers", defaultEndpoints: ["http://127.0.0.1:9/"]) { configuration in
            TinySubject(nodes: configuration.endpoints.enumerated().map { (Entity(kind: "node", id: "n\($0.offset + 1)"), $0.element) })
        }
    ])

    func replayScenario(in dir: TemporaryDirectory) throws -> EvalScenario {
        let now = Date(timeIntervalSince1970: 1_795_417_505)
        let context = DiagnosisContext(
            subject: "tiny", incident: ContextIncident(id: 3, rootEntity: "node:n2", rootInvariant: "node-up", title: "node n2 is down"),
            tickets: [], otherOpenTickets: [], taxonomy: [DiagnosisCategory("node-down", "a node stopped")],
            evidence: DiagnosisEvidence(), builtAt: now)
        try JSONEncoder.operatorEncoder.encode(context).write(to: URL(fileURLWithPath: dir.file("context.json")))
        try """
            name: replayed-node-down
            replay: context.json
            expect: { category: node-down, entity: "node:n2" }
            """.write(toFile: dir.file("replay.yaml"), atomically: true, encoding: .utf8)
        return try EvalScenario.load(dir.file("replay.yaml"), registry: Self.registry)
    }

    @Test func aCallCutAtMaxTokensStillCountsItsTokensAndCost() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let runner = EvalRunner(
            registry: Self.registry, diagnosers: CutDiagnoser(), targets: { _, _, _ in throw HarnessError("a replay starts no cluster") },
            interval: .milliseconds(100), timeout: .seconds(10), price: ModelPrice(inputPerMTok: 3, outputPerMTok: 15),
            logger: Logger(label: "test.eval"))
        let outcome = await runner.run(try replayScenario(in: dir))
        #expect(outcome.error != nil && !outcome.correct)
        #expect(outcome.model.calls == 1 && outcome.model.inputTokens == 7800 && outcome.model.outputTokens == 1200)
        #expect(abs((outcome.model.costUSD ?? 0) - 0.0414) < 1e-9, "7,800 × $3 + 1,200 × $15 per million")
    }

    func runner(_ diagnoser: TokenSpendingDiagnoser, price: ModelPrice?) -> EvalRunner {
        EvalRunner(
            registry: Self.registry, diagnosers: diagnoser, targets: { _, _, _ in throw HarnessError("a replay starts no cluster") },
            interval: .milliseconds(100), timeout: .seconds(10), price: price, logger: Logger(label: "test.eval"))
    }

    @Test func aPricedRunReportsTokensAndDollars() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let scenario = try replayScenario(in: dir)
        let diagnoser = TokenSpendingDiagnoser(inputTokens: 4000, outputTokens: 800)
        let outcome = await runner(diagnoser, price: ModelPrice(inputPerMTok: 3, outputPerMTok: 15)).run(scenario)
        #expect(outcome.error == nil && outcome.correct, "\(outcome.error ?? "")")
        #expect(outcome.model.calls == 1)
        #expect(outcome.model.inputTokens == 4000 && outcome.model.outputTokens == 800)
        #expect(outcome.model.seconds >= 0)
        let cost = try #require(outcome.model.costUSD)
        #expect(abs(cost - 0.024) < 1e-9, "4,000 × $3 + 800 × $15 per million = $0.024, got \(cost)")

        let report = EvalReport(diagnoser: diagnoser.name, results: [outcome, outcome])
        #expect(report.model.calls == 2 && report.model.inputTokens == 8000 && report.model.outputTokens == 1600)
        #expect(abs((report.model.costUSD ?? 0) - 0.048) < 1e-9)
        let json = String(decoding: try JSONEncoder.operatorEncoder.encode(report), as: UTF8.self)
        #expect(json.contains("\"input_tokens\"") && json.contains("\"output_tokens\"") && json.contains("\"cost_usd\""), "\(json)")
    }

    @Test func withoutAPriceTheTokensAreReportedWithoutACost() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let outcome = await runner(TokenSpendingDiagnoser(inputTokens: 1200, outputTokens: 300), price: nil).run(try replayScenario(in: dir))
        #expect(outcome.model.calls == 1 && outcome.model.inputTokens == 1200 && outcome.model.outputTokens == 300)
        #expect(outcome.model.costUSD == nil)
        #expect(EvalReport(diagnoser: "priced-model", results: [outcome]).model.costUSD == nil)
    }
}
