import OperatorCore

/// The shape the store-level symptom rules share (slow disk, overload, network lag): score every running
/// store in the incident, keep the best (the first on a tie), fall back when no store is running, and
/// answer a strong hypothesis above a threshold or a weak one that says why the category does not fit.
struct StoreRuleSkeleton {
    /// One store's score and the values behind it, in words.
    struct Scored {
        var store: DiagnosisFacts.Store
        var score: Double
        var why: String
    }

    /// What the strong hypothesis says and recommends about the best store.
    struct Strong {
        var explanation: String
        var actions: [Diagnosis.RecommendedAction]
    }

    var category: String
    /// The weak hypothesis' explanation ("a store's disk is slow").
    var symptom: String
    /// The best score must exceed this for a strong hypothesis.
    var strongAbove: Double
    /// Signals cited as supporting evidence from the best store.
    var evidence: [String]

    func hypothesis(
        _ f: DiagnosisFacts,
        noStore: () -> String,
        score: (DiagnosisFacts.Store) -> (score: Double, why: String),
        strong: (Scored) -> Strong,
        weakAgainst: (_ best: Scored, _ all: [Scored]) -> String
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
            return Hypothesis(
                category: category, entity: f.context.incident.rootEntity, score: 0.05, explanation: symptom, against: noStore())
        }
        let s = best.store
        let supporting = f.evidence(s, evidence)
        if best.score > strongAbove {
            let said = strong(best)
            return Hypothesis(
                category: category, entity: s.entity, score: best.score, explanation: said.explanation, supporting: supporting,
                against: f.relevanceRemark(of: s.entity), actions: said.actions)
        }
        return Hypothesis(
            category: category, entity: s.entity, score: best.score, explanation: symptom, supporting: supporting,
            against: weakAgainst(best, all))
    }
}
