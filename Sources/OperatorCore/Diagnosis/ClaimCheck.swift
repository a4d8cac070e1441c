/// Compares what a diagnosis states with the context it was made from.
///
/// Every claim (root cause and rejected alternatives) must cite at least one evidence id the context has,
/// and each of its facts must hold for the item it names. Evidence items that carry an id must show the
/// value the context has for that id. What fails is returned as problems, one per broken claim or item.
public enum ClaimCheck {
    public static func problems(in diagnosis: Diagnosis, against context: DiagnosisContext) -> [ClaimProblem] {
        var out: [ClaimProblem] = []
        for claim in diagnosis.claims + diagnosis.alternatives.flatMap(\.claims) {
            out += problems(in: claim, against: context)
        }
        for item in diagnosis.evidence {
            guard let id = item.id else { continue }
            let label = "\(item.signal) = \(item.value)"
            switch context.evidenceItem(id) {
            case nil:
                out.append(ClaimProblem(claim: label, problem: "cites evidence \(id), which the context does not have"))
            case .signal(let s)? where s.displayValue != item.value:
                out.append(ClaimProblem(claim: label, problem: "evidence \(id) (\(s.name)) is \(s.displayValue) in the context"))
            default:
                break
            }
        }
        return out
    }

    public static func problems(in claim: Claim, against context: DiagnosisContext) -> [ClaimProblem] {
        var out: [ClaimProblem] = []
        if claim.evidence.isEmpty && claim.facts.isEmpty {
            out.append(ClaimProblem(claim: claim.text, problem: "cites no evidence"))
        }
        for id in claim.evidence where context.evidenceItem(id) == nil {
            out.append(ClaimProblem(claim: claim.text, problem: "cites evidence \(id), which the context does not have"))
        }
        for fact in claim.facts {
            if let problem = contradiction(fact, in: context) { out.append(ClaimProblem(claim: claim.text, problem: problem)) }
        }
        return out
    }

    /// Why the context contradicts `fact`, or nil when it holds.
    static func contradiction(_ fact: Fact, in context: DiagnosisContext) -> String? {
        guard let item = context.evidenceItem(fact.evidence) else {
            return "asserts a value of evidence \(fact.evidence), which the context does not have"
        }
        switch item {
        case .signal(let s):
            if let equals = fact.equals, !same(equals, s.value) {
                return "asserts \(s.name) = \(equals.jsonText), the context has \(s.value.jsonText) (\(fact.evidence))"
            }
            if fact.atLeast != nil || fact.atMost != nil {
                guard let n = s.number else { return "asserts a number for \(s.name), the context has \(s.value.jsonText) (\(fact.evidence))" }
                if let problem = range(fact, [n], name: s.name) { return problem }
            }
        case .metric(let m):
            let values: [Double]
            switch fact.aggregate {
            case "last": values = m.last.map { [$0] } ?? []
            case "max": values = m.maximum.map { [$0] } ?? []
            case "min": values = m.minimum.map { [$0] } ?? []
            default: values = m.points.map(\.value).filter(\.isFinite)
            }
            if values.isEmpty { return "asserts values of \(m.name), which has no points in the context (\(fact.evidence))" }
            if let problem = range(fact, values, name: m.name) { return problem }
            if let equals = fact.equals, let n = equals.doubleValue, !values.allSatisfy({ close($0, n) }) {
                return "asserts \(m.name) = \(NumberText.decimal(n)), the context has \(values.map(NumberText.decimal).joined(separator: ", ")) (\(fact.evidence))"
            }
        case .log(let l):
            if let equals = fact.equals, equals.stringValue != l.kind {
                return "asserts log event kind \(equals.jsonText), the context has \(l.kind) (\(fact.evidence))"
            }
        case .ticket(let t):
            if let equals = fact.equals, equals.stringValue != t.invariant {
                return "asserts ticket invariant \(equals.jsonText), the context has \(t.invariant) (\(fact.evidence))"
            }
        }
        return nil
    }

    private static func range(_ fact: Fact, _ values: [Double], name: String) -> String? {
        if let low = fact.atLeast, let bad = values.first(where: { $0 < low && !close($0, low) }) {
            return "asserts \(name) ≥ \(NumberText.decimal(low)), the context has \(NumberText.decimal(bad)) (\(fact.evidence))"
        }
        if let high = fact.atMost, let bad = values.first(where: { $0 > high && !close($0, high) }) {
            return "asserts \(name) ≤ \(NumberText.decimal(high)), the context has \(NumberText.decimal(bad)) (\(fact.evidence))"
        }
        return nil
    }

    /// Values match when equal, numbers when within a relative 1e-6 (a model may round-trip them as text).
    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if a == b { return true }
        if let x = a.doubleValue, let y = b.doubleValue { return close(x, y) }
        if let x = a.stringValue, let y = b.doubleValue, let n = Double(x) { return close(n, y) }
        if let x = a.doubleValue, let y = b.stringValue, let n = Double(y) { return close(x, n) }
        return false
    }

    private static func close(_ a: Double, _ b: Double) -> Bool {
        a == b || abs(a - b) <= 1e-6 * max(abs(a), abs(b))
    }
}

extension Diagnosis {
    /// Checks the claims against the context. A diagnosis from deterministic rules (`strict`) that states
    /// anything the context contradicts or lacks is rejected; a model's is kept with the unsupported claims
    /// listed and its confidence lowered by 0.15 for each (to at least 0.05).
    public mutating func audit(against context: DiagnosisContext, strict: Bool) throws(DiagnosisValidationError) {
        let problems = ClaimCheck.problems(in: self, against: context)
        unsupportedClaims = problems
        guard !problems.isEmpty else { return }
        if strict {
            throw DiagnosisValidationError(problems: problems.map { "unsupported claim \($0)" })
        }
        confidence = max(0.05, ((confidence - 0.15 * Double(problems.count)) * 100).rounded() / 100)
    }
}
