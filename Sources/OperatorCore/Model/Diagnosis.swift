import Foundation

/// A structured explanation of an incident: what was seen, why, what else it could have been, what to do.
///
/// The same shape comes from the offline rules engine and from a model; a model's tool schema is this type.
public struct Diagnosis: Sendable, Codable, Equatable {
    /// One paragraph an on-call engineer reads first.
    public var summary: String
    /// What was seen (DIAG-01).
    public var observation: String
    public var rootCause: RootCause
    /// 0 … 1.
    public var confidence: Double
    /// Several correlated signals (DIAG-02).
    public var evidence: [Evidence]
    /// Hypotheses considered and rejected, with the reason (DIAG-03).
    public var alternatives: [Alternative]
    /// Observe-only advice: nothing here is ever executed (DIAG-04).
    public var recommendedActions: [RecommendedAction]
    /// The root cause's sentences that state facts, each citing context evidence ids (`s3`, `t12`).
    public var claims: [Claim]
    /// Claims the context does not support, found by ``ClaimCheck`` when the diagnosis was audited.
    public var unsupportedClaims: [ClaimProblem]
    public var diagnoser: String
    public var model: String?
    public var durationMs: Int
    public var inputTokens: Int?
    public var outputTokens: Int?

    public init(
        summary: String, observation: String, rootCause: RootCause, confidence: Double, evidence: [Evidence],
        alternatives: [Alternative], recommendedActions: [RecommendedAction], diagnoser: String, model: String? = nil,
        durationMs: Int = 0, inputTokens: Int? = nil, outputTokens: Int? = nil, claims: [Claim] = [],
        unsupportedClaims: [ClaimProblem] = []
    ) {
        self.claims = claims
        self.unsupportedClaims = unsupportedClaims
        self.summary = summary
        self.observation = observation
        self.rootCause = rootCause
        self.confidence = confidence
        self.evidence = evidence
        self.alternatives = alternatives
        self.recommendedActions = recommendedActions
        self.diagnoser = diagnoser
        self.model = model
        self.durationMs = durationMs
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }

    public struct RootCause: Sendable, Codable, Equatable {
        /// From the subject's taxonomy (`node-down`, `disk-full`, …).
        public var category: String
        public var entity: Entity
        public var explanation: String

        public init(category: String, entity: Entity, explanation: String) {
            self.category = category
            self.entity = entity
            self.explanation = explanation
        }
    }

    public struct Evidence: Sendable, Codable, Equatable {
        /// The context evidence id this item quotes (`s3`), when it quotes one.
        public var id: String?
        public var signal: String
        /// The PromQL, API path or log file the value came from.
        public var queryOrSource: String
        public var value: String
        public var expected: String?
        public var note: String?

        public init(
            signal: String, queryOrSource: String, value: String, expected: String? = nil, note: String? = nil,
            id: String? = nil
        ) {
            self.id = id
            self.signal = signal
            self.queryOrSource = queryOrSource
            self.value = value
            self.expected = expected
            self.note = note
        }

        enum CodingKeys: String, CodingKey {
            case id, signal
            case queryOrSource = "query_or_source"
            case value, expected, note
        }
    }

    public struct Alternative: Sendable, Codable, Equatable {
        public var hypothesis: String
        public var rejectedBecause: String
        /// The sentences of `rejectedBecause` that state facts, with the evidence they cite.
        public var claims: [Claim]

        public init(hypothesis: String, rejectedBecause: String, claims: [Claim] = []) {
            self.hypothesis = hypothesis
            self.rejectedBecause = rejectedBecause
            self.claims = claims
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            hypothesis = try c.decode(String.self, forKey: .hypothesis)
            rejectedBecause = try c.decode(String.self, forKey: .rejectedBecause)
            claims = try c.decodeIfPresent([Claim].self, forKey: .claims) ?? []
        }

        enum CodingKeys: String, CodingKey {
            case hypothesis, claims
            case rejectedBecause = "rejected_because"
        }
    }

    public struct RecommendedAction: Sendable, Codable, Equatable {
        public var action: String
        public var rationale: String
        /// `low`, `medium` or `high`.
        public var risk: String

        public init(action: String, rationale: String, risk: String) {
            self.action = action
            self.rationale = rationale
            self.risk = risk
        }
    }

    enum CodingKeys: String, CodingKey {
        case summary, observation
        case rootCause = "root_cause"
        case confidence, evidence, alternatives
        case recommendedActions = "recommended_actions"
        case diagnoser, model
        case durationMs = "duration_ms"
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case claims
        case unsupportedClaims = "unsupported_claims"
    }

    /// Diagnoses stored before claims existed decode with none.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        summary = try c.decode(String.self, forKey: .summary)
        observation = try c.decode(String.self, forKey: .observation)
        rootCause = try c.decode(RootCause.self, forKey: .rootCause)
        confidence = try c.decode(Double.self, forKey: .confidence)
        evidence = try c.decode([Evidence].self, forKey: .evidence)
        alternatives = try c.decode([Alternative].self, forKey: .alternatives)
        recommendedActions = try c.decode([RecommendedAction].self, forKey: .recommendedActions)
        diagnoser = try c.decode(String.self, forKey: .diagnoser)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        durationMs = try c.decodeIfPresent(Int.self, forKey: .durationMs) ?? 0
        inputTokens = try c.decodeIfPresent(Int.self, forKey: .inputTokens)
        outputTokens = try c.decodeIfPresent(Int.self, forKey: .outputTokens)
        claims = try c.decodeIfPresent([Claim].self, forKey: .claims) ?? []
        unsupportedClaims = try c.decodeIfPresent([ClaimProblem].self, forKey: .unsupportedClaims) ?? []
    }
}
