import Foundation
import OperatorCore

/// Reads the fields of a model's answer, collecting every problem (with its JSON path) instead of stopping
/// at the first, so one repair round can fix them all.
struct AnswerReader {
    var problems: [String] = []

    mutating func text(_ v: JSONValue?, _ path: String, max: Int, required: Bool = true) -> String? {
        let s: String
        switch v {
        case .string(let value)?: s = value
        // Models write numbers where the schema says string (a value of 0.07); accept the scalar.
        case .number(let n)?: s = NumberText.decimal(n)
        case .bool(let b)?: s = String(b)
        case nil, .null?:
            if required { problems.append("\(path) is missing") }
            return nil
        default:
            problems.append("\(path) must be a string")
            return nil
        }
        if s.count > max {
            problems.append("\(path) is \(s.count) characters; at most \(max)")
            return nil
        }
        return s
    }

    mutating func list(_ v: JSONValue?, _ path: String, max: Int) -> [[String: JSONValue]] {
        guard let array = v?.arrayValue else {
            problems.append("\(path) must be an array")
            return []
        }
        if array.count > max {
            problems.append("\(path) has \(array.count) items; at most \(max)")
            return []
        }
        return array.enumerated().compactMap { i, item in
            guard let o = item.objectValue else {
                problems.append("\(path)[\(i)] must be an object")
                return nil
            }
            return o
        }
    }

    /// A claim as the model wrote it. Ids are not checked here: an id the context lacks is the audit's
    /// to list (and to lower the confidence for), not a reason to refuse the whole answer.
    mutating func claim(_ c: [String: JSONValue], _ path: String) -> Claim {
        let text = self.text(c["text"], "\(path).text", max: DiagnosisSchema.Bounds.sentence) ?? ""
        var ids: [String] = []
        if let cited = c["evidence"]?.arrayValue {
            if cited.count > DiagnosisSchema.Bounds.idsPerClaim {
                problems.append("\(path).evidence has \(cited.count) ids; at most \(DiagnosisSchema.Bounds.idsPerClaim)")
            }
            for (j, id) in cited.enumerated() {
                if let s = id.stringValue { ids.append(s) } else { problems.append("\(path).evidence[\(j)] must be an id string") }
            }
        } else {
            problems.append("\(path).evidence must be an array of evidence ids")
        }
        var facts: [Fact] = []
        if let written = c["facts"], written != .null {
            for (j, f) in list(written, "\(path).facts", max: DiagnosisSchema.Bounds.factsPerClaim).enumerated() {
                guard let id = f["evidence"]?.stringValue else {
                    problems.append("\(path).facts[\(j)].evidence must be an evidence id")
                    continue
                }
                if let equals = f["equals"]?.stringValue, equals.count > DiagnosisSchema.Bounds.label {
                    problems.append("\(path).facts[\(j)].equals is \(equals.count) characters; at most \(DiagnosisSchema.Bounds.label)")
                }
                let aggregate = f["aggregate"]?.stringValue
                if let aggregate, !["last", "max", "min"].contains(aggregate) {
                    problems.append("\(path).facts[\(j)].aggregate must be last, max or min")
                }
                facts.append(Fact(
                    evidence: id, equals: f["equals"].flatMap { $0 == .null ? nil : $0 },
                    atLeast: f["at_least"]?.doubleValue, atMost: f["at_most"]?.doubleValue, aggregate: aggregate))
            }
        }
        return Claim(text, evidence: ids, facts: facts)
    }
}
