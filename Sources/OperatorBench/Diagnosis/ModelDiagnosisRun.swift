import Foundation
import OperatorCore
import SubjectEtcd

/// One model-backed diagnosis of a benchmark incident: what it cost (seconds, tokens) and whether it was
/// accepted, audited as the runner audits it. A model call is slow and may cost money, so it runs once.
struct ModelDiagnosisRun: Encodable, Sendable {
    var diagnoser: String
    var model: String?
    var seconds: Double
    var contextTokens: Int
    var inputTokens: Int?
    var outputTokens: Int?
    var accepted: Bool
    var diagnosed: String?
    var confidence: Double?
    var unsupportedClaims: Int
    var error: String?

    enum CodingKeys: String, CodingKey {
        case diagnoser, model, seconds
        case contextTokens = "context_tokens"
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case accepted, diagnosed, confidence
        case unsupportedClaims = "unsupported_claims"
        case error
    }

    static func measure(_ diagnoser: any Diagnoser, context: DiagnosisContext) async -> ModelDiagnosisRun {
        let clock = ContinuousClock()
        let start = clock.now
        var run = ModelDiagnosisRun(
            diagnoser: diagnoser.name, seconds: 0, contextTokens: ContextBudget.estimatedTokens(of: context), accepted: false,
            unsupportedClaims: 0)
        do {
            var d = try await diagnoser.diagnose(context)
            run.seconds = (clock.now - start).seconds
            run.model = d.model
            run.inputTokens = d.inputTokens
            run.outputTokens = d.outputTokens
            try d.validate(against: context)
            try d.audit(against: context, strict: false)
            run.accepted = true
            run.diagnosed = "\(d.rootCause.category) on \(d.rootCause.entity)"
            run.confidence = d.confidence
            run.unsupportedClaims = d.unsupportedClaims.count
        } catch {
            run.seconds = (clock.now - start).seconds
            run.error = Redactor.fromEnvironment().redact("\(error)")
        }
        return run
    }
}

/// Makes the model diagnoser for the benchmark's subject (chosen at the composition root).
public typealias BenchModelDiagnoser = @Sendable (EtcdSubject) throws -> any Diagnoser

extension DiagnosisBenchmark.Report {
    /// The model-backed runs, when the benchmark was given a model diagnoser.
    public var modelTable: BenchTable? {
        let runs = incidents.compactMap { r in r.model.map { (r, $0) } }
        guard let first = runs.first?.1 else { return nil }
        return BenchTable(
            title: "Model-backed diagnosis per incident (\(first.diagnoser)\(first.model.map { ", \($0)" } ?? ""), one call each)",
            columns: ["incident", "context tokens", "input tokens", "output tokens", "seconds", "result"],
            rows: runs.map { r, m in
                [r.scenario, "\(m.contextTokens)", m.inputTokens.map(String.init) ?? "-", m.outputTokens.map(String.init) ?? "-",
                 NumberText.decimal((m.seconds * 10).rounded() / 10),
                 m.accepted
                    ? "\(m.diagnosed ?? "?") (\(NumberText.percent(m.confidence ?? 0)))"
                        + (m.unsupportedClaims > 0 ? ", \(m.unsupportedClaims) unsupported claim(s)" : "")
                    : "failed: \(m.error ?? "?")"]
            },
            notes: [
                "one call per incident over the same context the offline rules get; accepted = schema-valid, validated and audited as the runner does (a model's unsupported claims lower its confidence)",
                "tokens as the server counts them; context tokens as the budget estimates them (JSON bytes / 4)",
            ])
    }
}
