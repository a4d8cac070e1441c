import Foundation
import OperatorCore

/// A diagnosis a run produced (accepted or not), with what the claim check found wrong in it: for the
/// offline diagnoser every problem means the runner rejected it; for a model, its `unsupported_claims`.
public struct DiagnosisRecord: Sendable {
    public var incidentID: Int64?
    public var diagnosis: Diagnosis
    public var problems: [ClaimProblem]

    public init(incidentID: Int64?, diagnosis: Diagnosis, problems: [ClaimProblem]) {
        self.incidentID = incidentID
        self.diagnosis = diagnosis
        self.problems = problems
    }

    /// Checks `diagnosis` against the context it was made from, as the diagnosis runner's audit does.
    public init(diagnosis: Diagnosis, context: DiagnosisContext) {
        self.init(
            incidentID: context.incident.id, diagnosis: diagnosis,
            problems: ClaimCheck.problems(in: diagnosis, against: context) + diagnosis.unsupportedClaims)
    }
}

/// A sentence a diagnosis of the run stated that was false or unsupported when made.
public struct FalseStatement: Sendable, Codable, Equatable {
    public var incident: Int64?
    public var statement: String
    /// `forbidden by the scenario ("…")` or the claim check's finding.
    public var reason: String

    public init(incident: Int64?, statement: String, reason: String) {
        self.incident = incident
        self.statement = statement
        self.reason = reason
    }
}

/// One expected root cause and what the run diagnosed for it.
public struct CauseResult: Sendable, Codable, Equatable {
    public var expected: EvalScenario.Expectation
    public var got: EvalRunner.Outcome.Got?
    public var correct: Bool

    public init(expected: EvalScenario.Expectation, got: EvalRunner.Outcome.Got?) {
        self.expected = expected
        self.got = got
        self.correct = got.map { $0.category == expected.category && $0.entity == expected.entity.description } ?? false
    }
}

/// How a scenario's run is graded: the causes, the incident count, the false statements.
public enum EvalGrading {
    /// The first cause is graded on the incident holding the primary fault's ticket (`primary`); each
    /// further cause (an independent fault) on whichever incident of the run was diagnosed with it.
    public static func causes(
        _ expected: [EvalScenario.Expectation], primary: EvalRunner.Outcome.Got?, finals: [EvalRunner.Outcome.Got]
    ) -> [CauseResult] {
        expected.enumerated().map { index, cause in
            if index == 0 { return CauseResult(expected: cause, got: primary) }
            let match = finals.first { $0.category == cause.category && $0.entity == cause.entity.description }
            // Nothing matched: show what was diagnosed on that entity, if anything.
            return CauseResult(expected: cause, got: match ?? finals.first { $0.entity == cause.entity.description })
        }
    }

    /// The sentences of a diagnosis a reader takes as statements: summary, root-cause explanation, claims,
    /// and why each alternative was rejected (its hypothesis is not asserted: "quorum-lost: no leader can be
    /// elected", rejected, says nothing false).
    public static func statements(of d: Diagnosis) -> [String] {
        var out = [d.summary, d.rootCause.explanation] + d.claims.map(\.text)
        for alternative in d.alternatives {
            out.append(alternative.rejectedBecause)
            out += alternative.claims.map(\.text)
        }
        return out.filter { !$0.isEmpty }
    }

    /// Every forbidden statement found in any diagnosis, plus every claim the check found unsupported;
    /// each distinct (statement, reason) once, however often the incident was re-diagnosed.
    public static func falseStatements(forbid: [String], diagnoses: [DiagnosisRecord]) -> [FalseStatement] {
        var found: [FalseStatement] = []
        var seen = Set<String>()
        func add(_ s: FalseStatement) {
            if seen.insert(s.statement + "\u{0}" + s.reason).inserted { found.append(s) }
        }
        for record in diagnoses {
            for text in statements(of: record.diagnosis) {
                for phrase in forbid where text.range(of: phrase, options: [.caseInsensitive]) != nil {
                    add(FalseStatement(incident: record.incidentID, statement: text, reason: "forbidden by the scenario (\"\(phrase)\")"))
                }
            }
            for problem in record.problems {
                add(FalseStatement(incident: record.incidentID, statement: problem.claim, reason: "unsupported claim: \(problem.problem)"))
            }
        }
        return found
    }
}
