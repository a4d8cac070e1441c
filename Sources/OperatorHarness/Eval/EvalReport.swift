import Foundation

/// What an eval run scored, from its outcomes: accuracy on category+entity (overall and per expected
/// category), a confusion table, incident-count accuracy, the false statements, and per scenario how
/// stable its grade was over `--repeat` runs. Skipped outcomes (a fault this machine cannot inject) are
/// listed and left out of every score.
public struct EvalReport: Sendable, Encodable {
    public struct CategoryScore: Sendable, Encodable, Equatable {
        public var category: String
        public var expected: Int
        public var correct: Int
        public var accuracy: Double
    }

    /// How often an expected category was diagnosed as `got` (`error` when the run failed, `none` when
    /// nothing was diagnosed for that cause).
    public struct ConfusionCell: Sendable, Encodable, Equatable {
        public var expected: String
        public var got: String
        public var count: Int
    }

    public struct ScenarioFalseStatement: Sendable, Encodable, Equatable {
        public var scenario: String
        public var run: Int
        public var incident: Int64?
        public var statement: String
        public var reason: String
    }

    /// One scenario over its runs: how many passed every grade; flaky when some did and some did not.
    public struct Stability: Sendable, Encodable, Equatable {
        public var scenario: String
        public var runs: Int
        public var passed: Int
        public var flaky: Bool
    }

    public struct Skip: Sendable, Encodable, Equatable {
        public var scenario: String
        public var reason: String
    }

    public var diagnoser: String
    /// category+entity: graded runs whose every expected cause was right.
    public var accuracy: Double
    public var graded: Int
    public var correct: Int
    public var categories: [CategoryScore]
    public var confusion: [ConfusionCell]
    /// Among graded runs whose scenario states an incident count; `nil` when none does.
    public var incidentAccuracy: Double?
    public var incidentGraded: Int
    public var incidentCorrect: Int
    public var falseStatementCount: Int
    public var falseStatements: [ScenarioFalseStatement]
    public var repeats: Int
    public var stability: [Stability]
    public var skipped: [Skip]
    /// Every diagnoser call of every run: free with `offline`, paid requests with a model.
    public var diagnoserCalls: Int
    /// Every run's model usage together (cost only when a price was configured).
    public var model: ModelUsage
    public var results: [EvalRunner.Outcome]

    enum CodingKeys: String, CodingKey {
        case diagnoser, accuracy, graded, correct, categories, confusion, repeats, stability, skipped, results, model
        case incidentAccuracy = "incident_accuracy"
        case incidentGraded = "incident_graded"
        case incidentCorrect = "incident_correct"
        case falseStatementCount = "false_statement_count"
        case falseStatements = "false_statements"
        case diagnoserCalls = "diagnoser_calls"
    }

    public init(diagnoser: String, repeats: Int = 1, results: [EvalRunner.Outcome]) {
        self.diagnoser = diagnoser
        self.repeats = repeats
        self.results = results
        let graded = results.filter { $0.skipped == nil }
        self.graded = graded.count
        correct = graded.filter(\.correct).count
        accuracy = graded.isEmpty ? 0 : Double(correct) / Double(graded.count)

        var perCategory: [String: (expected: Int, correct: Int)] = [:]
        var cells: [String: [String: Int]] = [:]
        for outcome in graded {
            for cause in outcome.causes {
                perCategory[cause.expected.category, default: (0, 0)].expected += 1
                if cause.correct { perCategory[cause.expected.category, default: (0, 0)].correct += 1 }
                let got = cause.got?.category ?? (outcome.error != nil ? "error" : "none")
                cells[cause.expected.category, default: [:]][got, default: 0] += 1
            }
        }
        categories = perCategory.keys.sorted().map { name in
            let score = perCategory[name] ?? (0, 0)
            return CategoryScore(
                category: name, expected: score.expected, correct: score.correct,
                accuracy: score.expected == 0 ? 0 : Double(score.correct) / Double(score.expected))
        }
        confusion = cells.keys.sorted().flatMap { expected in
            (cells[expected] ?? [:]).keys.sorted().map { got in
                ConfusionCell(expected: expected, got: got, count: cells[expected]?[got] ?? 0)
            }
        }

        let counted = graded.compactMap(\.incidentsCorrect)
        incidentGraded = counted.count
        incidentCorrect = counted.filter { $0 }.count
        incidentAccuracy = counted.isEmpty ? nil : Double(incidentCorrect) / Double(counted.count)

        falseStatements = graded.flatMap { outcome in
            outcome.falseStatements.map {
                ScenarioFalseStatement(scenario: outcome.name, run: outcome.run, incident: $0.incident, statement: $0.statement, reason: $0.reason)
            }
        }
        falseStatementCount = falseStatements.count

        var order: [String] = []
        var byName: [String: [EvalRunner.Outcome]] = [:]
        for outcome in graded {
            if byName[outcome.name] == nil { order.append(outcome.name) }
            byName[outcome.name, default: []].append(outcome)
        }
        stability = order.map { name in
            let runs = byName[name] ?? []
            let passed = runs.filter(Self.passes).count
            return Stability(scenario: name, runs: runs.count, passed: passed, flaky: passed > 0 && passed < runs.count)
        }
        var skippedNames = Set<String>()
        skipped = results.compactMap { outcome in
            guard let reason = outcome.skipped, skippedNames.insert(outcome.name).inserted else { return nil }
            return Skip(scenario: outcome.name, reason: reason)
        }
        diagnoserCalls = results.map(\.diagnoserCallsTotal).reduce(0, +)
        model = ModelUsage.total(results.map(\.model))
    }

    /// Right causes, the stated incident count (if any), and not one false statement.
    public static func passes(_ outcome: EvalRunner.Outcome) -> Bool {
        outcome.correct && outcome.incidentsCorrect != false && outcome.falseStatements.isEmpty
    }

    /// The thresholds this report misses, one sentence each (empty: every one is met).
    public func shortfalls(requireAccuracy: Double?, requireIncidentAccuracy: Double?, maxFalseStatements: Int?) -> [String] {
        var out: [String] = []
        if let required = requireAccuracy, accuracy < required {
            out.append("category+entity accuracy \(Self.percent(accuracy)) is below the required \(Self.percent(required)) (\(correct)/\(graded))")
        }
        if let required = requireIncidentAccuracy {
            if let got = incidentAccuracy {
                if got < required {
                    out.append("incident-count accuracy \(Self.percent(got)) is below the required \(Self.percent(required)) (\(incidentCorrect)/\(incidentGraded))")
                }
            } else {
                out.append("incident-count accuracy was required but no graded scenario states `expect.incidents`")
            }
        }
        if let allowed = maxFalseStatements, falseStatementCount > allowed {
            out.append("\(falseStatementCount) false statement(s), more than the \(allowed) allowed")
        }
        return out
    }

    public static func percent(_ value: Double) -> String { String(format: "%.0f%%", value * 100) }
}
