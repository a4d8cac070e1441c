import Foundation
import OperatorCore

/// The part of a ``Diagnosis`` a model writes, as a JSON Schema (the forced tool's `input_schema`, the
/// chat completion's `json_schema`) and as a strict decoder of what comes back.
public enum DiagnosisSchema {
    public static let toolName = "record_diagnosis"

    public static func jsonSchema(taxonomy: [DiagnosisCategory]) -> JSONValue {
        func string(_ description: String) -> JSONValue { ["type": "string", "description": .string(description)] }
        let categories: JSONValue = taxonomy.isEmpty
            ? string("root-cause category")
            : ["type": "string", "enum": .array(taxonomy.map { .string($0.id) }), "description": "one category of the taxonomy"]
        return [
            "type": "object",
            "additionalProperties": false,
            "required": ["summary", "observation", "root_cause", "confidence", "evidence", "alternatives", "recommended_actions"],
            "properties": [
                "summary": string("One paragraph an on-call engineer reads first."),
                "observation": string("What was seen: the violations and the key values."),
                "root_cause": [
                    "type": "object", "additionalProperties": false, "required": ["category", "entity", "explanation"],
                    "properties": [
                        "category": categories,
                        "entity": string("kind:id of the root entity, e.g. store:2, member:e3, or cluster"),
                        "explanation": string("Why this is the cause, citing evidence."),
                    ],
                ],
                "confidence": ["type": "number", "minimum": 0, "maximum": 1],
                "evidence": [
                    "type": "array", "minItems": 1,
                    "items": [
                        "type": "object", "additionalProperties": false,
                        "required": ["signal", "query_or_source", "value"],
                        "properties": [
                            "signal": string("What was measured."), "query_or_source": string("PromQL, API path or log the value came from."),
                            "value": string("The observed value."), "expected": string("What a healthy cluster shows."),
                            "note": string("Why it matters."),
                        ],
                    ],
                ],
                "alternatives": [
                    "type": "array", "minItems": 1,
                    "items": [
                        "type": "object", "additionalProperties": false, "required": ["hypothesis", "rejected_because"],
                        "properties": [
                            "hypothesis": string("Another explanation considered."),
                            "rejected_because": string("The evidence that rules it out."),
                        ],
                    ],
                ],
                "recommended_actions": [
                    "type": "array", "minItems": 1,
                    "items": [
                        "type": "object", "additionalProperties": false, "required": ["action", "rationale", "risk"],
                        "properties": [
                            "action": string("What a human could do. Nothing is executed automatically."),
                            "rationale": string("Why."),
                            "risk": ["type": "string", "enum": ["low", "medium", "high"]],
                        ],
                    ],
                ],
            ],
        ]
    }

    /// Why a model's answer was not accepted, in terms the model can fix.
    public struct InvalidOutput: Error, CustomStringConvertible {
        public let problems: [String]
        public var description: String { "model output does not match the diagnosis schema: " + problems.joined(separator: "; ") }
    }

    /// Decodes and checks a model's answer; fills the fields the model does not write.
    public static func diagnosis(from value: JSONValue, context: DiagnosisContext, diagnoser: String, model: String) throws
        -> Diagnosis
    {
        var problems: [String] = []
        func text(_ v: JSONValue?, _ path: String, required: Bool = true) -> String? {
            switch v {
            case .string(let s)?: return s
            // Models write numbers where the schema says string (a value of 0.07); accept the scalar.
            case .number(let n)?: return n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
            case .bool(let b)?: return String(b)
            case nil, .null?:
                if required { problems.append("\(path) is missing") }
                return nil
            default:
                problems.append("\(path) must be a string")
                return nil
            }
        }
        func list(_ v: JSONValue?, _ path: String) -> [[String: JSONValue]] {
            guard let array = v?.arrayValue else {
                problems.append("\(path) must be an array")
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
        guard let object = value.objectValue else { throw InvalidOutput(problems: ["the answer is not a JSON object"]) }
        let summary = text(object["summary"], "summary") ?? ""
        let observation = text(object["observation"], "observation") ?? ""
        let root = object["root_cause"]?.objectValue
        if root == nil { problems.append("root_cause must be an object") }
        let category = text(root?["category"], "root_cause.category") ?? ""
        let entityText = text(root?["entity"], "root_cause.entity") ?? ""
        let explanation = text(root?["explanation"], "root_cause.explanation") ?? ""
        var entity = Entity.cluster
        if !entityText.isEmpty {
            do { entity = try Entity(parsing: entityText) } catch { problems.append("root_cause.entity: \(error.description)") }
        }
        let confidence = object["confidence"]?.doubleValue ?? (object["confidence"]?.stringValue).flatMap(Double.init)
        if confidence == nil { problems.append("confidence must be a number between 0 and 1") }
        let evidence = list(object["evidence"], "evidence").enumerated().map { i, e in
            Diagnosis.Evidence(
                signal: text(e["signal"], "evidence[\(i)].signal") ?? "",
                queryOrSource: text(e["query_or_source"], "evidence[\(i)].query_or_source") ?? "",
                value: text(e["value"], "evidence[\(i)].value") ?? "",
                expected: text(e["expected"], "evidence[\(i)].expected", required: false),
                note: text(e["note"], "evidence[\(i)].note", required: false))
        }
        let alternatives = list(object["alternatives"], "alternatives").enumerated().map { i, a in
            Diagnosis.Alternative(
                hypothesis: text(a["hypothesis"], "alternatives[\(i)].hypothesis") ?? "",
                rejectedBecause: text(a["rejected_because"], "alternatives[\(i)].rejected_because") ?? "")
        }
        let actions = list(object["recommended_actions"], "recommended_actions").enumerated().map { i, a in
            let risk = text(a["risk"], "recommended_actions[\(i)].risk") ?? "low"
            if !["low", "medium", "high"].contains(risk) { problems.append("recommended_actions[\(i)].risk must be low, medium or high") }
            return Diagnosis.RecommendedAction(
                action: text(a["action"], "recommended_actions[\(i)].action") ?? "",
                rationale: text(a["rationale"], "recommended_actions[\(i)].rationale") ?? "", risk: risk)
        }
        if !problems.isEmpty { throw InvalidOutput(problems: problems) }
        let diagnosis = Diagnosis(
            summary: summary, observation: observation,
            rootCause: .init(category: category, entity: entity, explanation: explanation), confidence: confidence ?? 0,
            evidence: evidence, alternatives: alternatives, recommendedActions: actions, diagnoser: diagnoser, model: model)
        do {
            try diagnosis.validate(against: context)
        } catch {
            throw InvalidOutput(problems: error.problems)
        }
        return diagnosis
    }
}
