import Foundation
import OperatorCore

/// The part of a ``Diagnosis`` a model writes: one JSON Schema for both providers (the forced tool's
/// `input_schema`, the chat completion's `json_schema`) and a strict decoder of what comes back.
///
/// The schema lists properties in the order a person writes a diagnosis (summary first, claims last),
/// because a grammar-enforcing server makes the model write them in schema order; every array and string
/// is bounded, so a small model that repeats itself is stopped by the grammar instead of `max_tokens`; the
/// root cause's category and entity, and every evidence id, are enums of what the context holds. The
/// evidence-id enum, cited in three places, is written once under `$defs` and referenced (`$ref`): a
/// context's ids are most of the schema, and Claude counts the tool's schema as input tokens.
public enum DiagnosisSchema {
    public static let toolName = "record_diagnosis"

    /// The order the answer's properties are written in.
    public static let propertyOrder = [
        "summary", "observation", "root_cause", "confidence", "evidence", "alternatives", "recommended_actions", "claims",
    ]

    /// Sizes of the answer. The worst case a grammar lets a model write is about 2,600 characters
    /// (`DiagnosisSchemaTests` measures it), under 1,200 tokens even for a repetitive small model: the
    /// earlier bounds (paragraphs of 600, six evidence rows, five claims) let Gemma 3 270M fill 13,000
    /// characters and be cut at 1,200 tokens every time (issue 13). A real diagnosis fits: the evidence
    /// rows carry ids, so the text only has to name what the id points at.
    public enum Bounds {
        /// summary, observation, root_cause.explanation
        public static let paragraph = 120
        /// alternatives' rejected_because, actions' rationale, claims' text
        public static let sentence = 90
        /// evidence strings, hypothesis, action, a fact's `equals` text, category and entity without an enum
        public static let label = 40
        /// an evidence id without an enum (a context without ids)
        public static let id = 16
        public static let evidenceItems = 2
        public static let alternatives = 2
        public static let actions = 2
        public static let claims = 3
        public static let idsPerClaim = 2
        public static let factsPerClaim = 1
    }

    /// Name of the evidence-id enum under `$defs`.
    public static let evidenceIDDefinition = "evidence_id"

    public static func jsonSchema(for context: DiagnosisContext) -> OrderedJSON {
        func string(_ maxLength: Int, _ description: String) -> OrderedJSON {
            ["type": "string", "maxLength": .number(maxLength), "description": .string(description)]
        }
        func oneOf(_ values: [String], _ description: String, fallback: Int) -> OrderedJSON {
            values.isEmpty ? string(fallback, description)
                : ["type": "string", "enum": .strings(values), "description": .string(description)]
        }
        func array(_ items: OrderedJSON, min: Int, max: Int) -> OrderedJSON {
            ["type": "array", "minItems": .number(min), "maxItems": .number(max), "items": items]
        }
        let ids = context.evidenceIDs
        let evidenceIDEnum = oneOf(ids, "id of a context evidence item (s = signal, m = metric window, l = log event, t = ticket)", fallback: Bounds.id)
        // Written once, referenced three times; without ids it is a short string, inline.
        let evidenceID: OrderedJSON = ids.isEmpty ? evidenceIDEnum : ["$ref": .string("#/$defs/\(evidenceIDDefinition)")]
        let fact: OrderedJSON = [
            "type": "object", "additionalProperties": false, "required": ["evidence"],
            "properties": [
                "evidence": evidenceID,
                // `maxLength` applies to the string branch of the union (llama.cpp copies it into each type's rule).
                "equals": ["type": ["string", "number", "boolean"], "maxLength": .number(Bounds.label), "description": "the value the item shows"],
                "at_least": ["type": "number"],
                "at_most": ["type": "number"],
                "aggregate": ["type": "string", "enum": ["last", "max", "min"], "description": "which point of a metric window"],
            ],
        ]
        let schema: OrderedJSON = [
            "type": "object",
            "additionalProperties": false,
            "required": .strings(propertyOrder),
            "properties": [
                "summary": string(Bounds.paragraph, "One paragraph an on-call engineer reads first."),
                "observation": string(Bounds.paragraph, "What was seen: the violations and the key values."),
                "root_cause": [
                    "type": "object", "additionalProperties": false, "required": ["category", "entity", "explanation"],
                    "properties": [
                        "category": oneOf(context.taxonomy.map(\.id), "one category of the taxonomy", fallback: Bounds.label),
                        "entity": oneOf(entities(of: context).map(\.description), "the root entity, one of the incident's entities", fallback: Bounds.label),
                        "explanation": string(Bounds.paragraph, "Why this is the cause, citing evidence ids."),
                    ],
                ],
                "confidence": ["type": "number", "minimum": 0, "maximum": 1],
                "evidence": array([
                    "type": "object", "additionalProperties": false,
                    "required": ["id", "signal", "value", "query_or_source"],
                    "properties": [
                        "id": evidenceID,
                        "signal": string(Bounds.label, "What was measured."),
                        "value": string(Bounds.label, "The observed value, as the context shows it."),
                        "query_or_source": string(Bounds.label, "PromQL, API path or log the value came from."),
                        "expected": string(Bounds.label, "What a healthy cluster shows."),
                        "note": string(Bounds.label, "Why it matters."),
                    ],
                ], min: 1, max: Bounds.evidenceItems),
                "alternatives": array([
                    "type": "object", "additionalProperties": false, "required": ["hypothesis", "rejected_because"],
                    "properties": [
                        "hypothesis": string(Bounds.label, "Another explanation considered."),
                        "rejected_because": string(Bounds.sentence, "The evidence that rules it out, with its ids."),
                    ],
                ], min: 1, max: Bounds.alternatives),
                "recommended_actions": array([
                    "type": "object", "additionalProperties": false, "required": ["action", "rationale", "risk"],
                    "properties": [
                        "action": string(Bounds.label, "What a human could do. Nothing is executed automatically."),
                        "rationale": string(Bounds.sentence, "Why."),
                        "risk": ["type": "string", "enum": ["low", "medium", "high"]],
                    ],
                ], min: 1, max: Bounds.actions),
                "claims": array([
                    "type": "object", "additionalProperties": false, "required": ["text", "evidence"],
                    "properties": [
                        "text": string(Bounds.sentence, "One sentence of the root cause that states a fact."),
                        "evidence": array(evidenceID, min: 1, max: Bounds.idsPerClaim),
                        "facts": array(fact, min: 0, max: Bounds.factsPerClaim),
                    ],
                ], min: 1, max: Bounds.claims),
            ],
        ]
        guard !ids.isEmpty, case .object(var pairs) = schema else { return schema }
        pairs.append((key: "$defs", value: .object([(key: evidenceIDDefinition, value: evidenceIDEnum)])))
        return .object(pairs)
    }

    /// The entities a root cause may name: the incident's root, its tickets' and the evidence's entities,
    /// and `cluster`; root first, the rest sorted.
    public static func entities(of context: DiagnosisContext) -> [Entity] {
        var seen: Set<String> = [context.incident.rootEntity.description]
        var rest: [Entity] = []
        let all: [Entity?] = (context.tickets + context.otherOpenTickets).map(\.entity)
            + context.evidence.signals.map(\.entity) + context.evidence.metrics.map(\.entity)
            + context.evidence.logEvents.map(\.entity) + [Entity.cluster]
        for case let e? in all where seen.insert(e.description).inserted { rest.append(e) }
        return [context.incident.rootEntity] + rest.sorted { $0.description < $1.description }
    }

    /// Why a model's answer was not accepted, in terms the model can fix.
    public struct InvalidOutput: Error, CustomStringConvertible {
        public let problems: [String]
        public var description: String { "model output does not match the diagnosis schema: " + problems.joined(separator: "; ") }
    }

    /// Decodes and checks a model's answer; fills the fields the model does not write. Claims citing ids the
    /// context lacks are kept: the runner's audit lists them and lowers the confidence.
    public static func diagnosis(from value: JSONValue, context: DiagnosisContext, diagnoser: String, model: String) throws
        -> Diagnosis
    {
        var reader = AnswerReader()
        guard let object = value.objectValue else { throw InvalidOutput(problems: ["the answer is not a JSON object"]) }
        let summary = reader.text(object["summary"], "summary", max: Bounds.paragraph) ?? ""
        let observation = reader.text(object["observation"], "observation", max: Bounds.paragraph) ?? ""
        let root = object["root_cause"]?.objectValue
        if root == nil { reader.problems.append("root_cause must be an object") }
        let category = reader.text(root?["category"], "root_cause.category", max: Bounds.label) ?? ""
        let entityText = reader.text(root?["entity"], "root_cause.entity", max: Bounds.label) ?? ""
        let explanation = reader.text(root?["explanation"], "root_cause.explanation", max: Bounds.paragraph) ?? ""
        var entity = Entity.cluster
        if !entityText.isEmpty {
            let allowed = entities(of: context)
            if let found = allowed.first(where: { $0.description == entityText }) {
                entity = found
            } else {
                reader.problems.append(
                    "root_cause.entity \"\(entityText)\" is not an entity of this incident; use one of: "
                        + allowed.map(\.description).joined(separator: ", "))
            }
        }
        let confidence = object["confidence"]?.doubleValue ?? (object["confidence"]?.stringValue).flatMap(Double.init)
        if confidence == nil { reader.problems.append("confidence must be a number between 0 and 1") }
        let evidence = reader.list(object["evidence"], "evidence", max: Bounds.evidenceItems).enumerated().map { i, e in
            Diagnosis.Evidence(
                signal: reader.text(e["signal"], "evidence[\(i)].signal", max: Bounds.label) ?? "",
                queryOrSource: reader.text(e["query_or_source"], "evidence[\(i)].query_or_source", max: Bounds.label) ?? "",
                value: reader.text(e["value"], "evidence[\(i)].value", max: Bounds.label) ?? "",
                expected: reader.text(e["expected"], "evidence[\(i)].expected", max: Bounds.label, required: false),
                note: reader.text(e["note"], "evidence[\(i)].note", max: Bounds.label, required: false),
                id: reader.text(e["id"], "evidence[\(i)].id", max: Bounds.id))
        }
        let alternatives = reader.list(object["alternatives"], "alternatives", max: Bounds.alternatives).enumerated().map { i, a in
            Diagnosis.Alternative(
                hypothesis: reader.text(a["hypothesis"], "alternatives[\(i)].hypothesis", max: Bounds.label) ?? "",
                rejectedBecause: reader.text(a["rejected_because"], "alternatives[\(i)].rejected_because", max: Bounds.sentence) ?? "")
        }
        let actions = reader.list(object["recommended_actions"], "recommended_actions", max: Bounds.actions).enumerated().map { i, a in
            let risk = reader.text(a["risk"], "recommended_actions[\(i)].risk", max: 16) ?? "low"
            if !["low", "medium", "high"].contains(risk) { reader.problems.append("recommended_actions[\(i)].risk must be low, medium or high") }
            return Diagnosis.RecommendedAction(
                action: reader.text(a["action"], "recommended_actions[\(i)].action", max: Bounds.label) ?? "",
                rationale: reader.text(a["rationale"], "recommended_actions[\(i)].rationale", max: Bounds.sentence) ?? "", risk: risk)
        }
        let claims = reader.list(object["claims"], "claims", max: Bounds.claims).enumerated().map { i, c in
            reader.claim(c, "claims[\(i)]")
        }
        if !reader.problems.isEmpty { throw InvalidOutput(problems: reader.problems) }
        let diagnosis = Diagnosis(
            summary: summary, observation: observation,
            rootCause: .init(category: category, entity: entity, explanation: explanation), confidence: confidence ?? 0,
            evidence: evidence, alternatives: alternatives, recommendedActions: actions, diagnoser: diagnoser, model: model,
            claims: claims)
        do {
            try diagnosis.validate(against: context)
        } catch {
            throw InvalidOutput(problems: error.problems)
        }
        return diagnosis
    }
}
