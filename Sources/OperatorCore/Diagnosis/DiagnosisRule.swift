/// A deterministic correlation rule, supplied by a subject and run by the offline diagnoser.
///
/// A rule argues for one category. It should answer on every context, with a low score and the evidence
/// that argues against it when its category does not fit: those answers become the rejected alternatives.
public struct DiagnosisRule: Sendable {
    public var category: String
    public var evaluate: @Sendable (DiagnosisContext) -> Hypothesis?

    public init(category: String, evaluate: @escaping @Sendable (DiagnosisContext) -> Hypothesis?) {
        self.category = category
        self.evaluate = evaluate
    }
}

/// One candidate explanation and how well the evidence supports it.
public struct Hypothesis: Sendable {
    public var category: String
    public var entity: Entity
    /// 0 … 1: how strongly the evidence supports this explanation.
    public var score: Double
    /// Why this would be the cause, in a sentence or two.
    public var explanation: String
    /// Signals that support it (cited as evidence when it wins).
    public var supporting: [Diagnosis.Evidence]
    /// Why it is not the cause, citing values (used when it loses).
    public var against: String?
    public var actions: [Diagnosis.RecommendedAction]
    /// The sentences of `explanation` that state facts, each citing context evidence (see ``Claim``).
    public var claims: [Claim]
    /// The sentences of `against` that state facts.
    public var againstClaims: [Claim]

    /// A hypothesis whose explanation is its claims, in order: every fact it states is cited.
    public init(
        category: String, entity: Entity, score: Double, claims: [Claim], supporting: [Diagnosis.Evidence] = [],
        againstClaims: [Claim] = [], actions: [Diagnosis.RecommendedAction] = []
    ) {
        self.init(
            category: category, entity: entity, score: score, explanation: claims.map(\.text).joined(separator: "; "),
            supporting: supporting, against: againstClaims.isEmpty ? nil : againstClaims.map(\.text).joined(separator: "; "),
            actions: actions)
        self.claims = claims
        self.againstClaims = againstClaims
    }

    public init(
        category: String, entity: Entity, score: Double, explanation: String, supporting: [Diagnosis.Evidence] = [],
        against: String? = nil, actions: [Diagnosis.RecommendedAction] = []
    ) {
        self.category = category
        self.entity = entity
        self.score = min(max(score, 0), 1)
        self.explanation = explanation
        self.supporting = supporting
        self.against = against
        self.actions = actions
        self.claims = []
        self.againstClaims = []
    }
}
