import OperatorCore

/// The shape the store-level symptom rules share (slow disk, overload, network lag, write stall): score every
/// running store in the incident, keep the best (the first on a tie), fall back when no store is running, and
/// answer a strong hypothesis above a threshold or a weak one whose claims say why the category does not fit.
struct StoreRuleSkeleton {
    /// One store's score and the values behind it, as a claim citing them.
    struct Scored {
        var store: DiagnosisFacts.Store
        var score: Double
        var why: Claim
    }

    /// What the strong hypothesis states and recommends about the best store.
    struct Strong {
        var claims: [Claim]
        var actions: [Diagnosis.RecommendedAction]
    }

    var category: String
    /// The weak hypothesis' name ("a store's disk is slow"): what it would mean, not a fact.
    var symptom: String
    /// The best score must exceed this for a strong hypothesis.
    var strongAbove: Double
    /// Signals cited as supporting evidence from the best store.
    var evidence: [String]

    func hypothesis(
        _ f: DiagnosisFacts,
        noStore: () -> Claim,
        score: (DiagnosisFacts.Store) -> (score: Double, why: Claim),
        strong: (Scored) -> Strong,
        weakAgainst: (_ best: Scored, _ all: [Scored]) -> [Claim]
    ) -> Hypothesis {
        var best: Scored?
        var all: [Scored] = []
        for store in f.candidateStores where !store.isDown {
            let (value, why) = score(store)
            let scored = Scored(store: store, score: value, why: why)
            all.append(scored)
            if value > (best?.score ?? -1) { best = scored }
        }
        guard let best else {
            return Self.weak(category: category, entity: f.context.incident.rootEntity, score: 0.05, symptom: symptom, against: [noStore()])
        }
        let s = best.store
        let supporting = f.evidence(s, evidence)
        if best.score > strongAbove {
            let said = strong(best)
            return Hypothesis(
                category: category, entity: s.entity, score: best.score, claims: said.claims, supporting: supporting,
                againstClaims: f.relevanceClaim(of: s.entity).map { [$0] } ?? [], actions: said.actions)
        }
        var h = Self.weak(category: category, entity: s.entity, score: best.score, symptom: symptom, against: weakAgainst(best, all))
        h.supporting = supporting
        return h
    }

    /// A hypothesis that does not fit: named by its symptom, with claims that say why not.
    static func weak(category: String, entity: Entity, score: Double, symptom: String, against: [Claim]) -> Hypothesis {
        var h = Hypothesis(category: category, entity: entity, score: score, claims: [], againstClaims: against)
        h.explanation = symptom
        return h
    }
}
