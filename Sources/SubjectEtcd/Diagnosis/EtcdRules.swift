import OperatorCore

/// The offline diagnoser's rules for etcd, one per category. Each answers on every context: with a high
/// score when its category fits, otherwise a low one and `against` claims citing the values that rule it out.
///
/// Every sentence that states a fact is a ``Claim`` built from a context signal and asserting its value, so
/// the strict audit of offline diagnoses can check it: a rule never names a leader that is not the
/// `cluster.leader` signal, never calls a member "the leader" unless its `member.is_leader` says so.
///
/// A rule whose category matches none of the incident's tickets scores lower: with two faults at once,
/// each incident is explained by its own fault, not by the other one's evidence in the same snapshot.
enum EtcdRules {
    static func all(_ settings: EtcdSettings) -> [DiagnosisRule] {
        [
            DiagnosisRule(category: "quorum-lost") { EtcdClusterRules.quorumLost($0) },
            DiagnosisRule(category: "node-down") { EtcdMemberRules.nodeDown($0) },
            DiagnosisRule(category: "node-unresponsive") { EtcdMemberRules.nodeUnresponsive($0) },
            DiagnosisRule(category: "member-removed") { EtcdMemberRules.memberRemoved($0) },
            DiagnosisRule(category: "db-quota") { EtcdMemberRules.dbQuota($0, settings) },
            DiagnosisRule(category: "slow-disk") { EtcdMemberRules.slowDisk($0, settings) },
            DiagnosisRule(category: "leader-churn") { EtcdClusterRules.leaderChurn($0, settings) },
            DiagnosisRule(category: "leader-transfer") { EtcdClusterRules.leaderTransfer($0) },
            DiagnosisRule(category: "network-partition") { EtcdClusterRules.networkPartition($0) },
            DiagnosisRule(category: "network-lag") { EtcdClusterRules.networkLag($0, settings) },
            DiagnosisRule(category: "overload") { EtcdClusterRules.overload($0, settings) },
        ]
    }
}

/// Small pieces the rules share.
enum RuleText {
    static func name(_ e: Entity?) -> String { e?.id ?? e?.description ?? "?" }

    static func seconds(_ s: Double) -> String { DurationText.format(seconds: s) }

    static func clusterNumber(_ c: DiagnosisContext, _ signal: String) -> Signal? {
        c.signal(named: signal, on: .cluster)
    }

    /// The signal with the largest finite value of this name across members.
    static func worst(_ c: DiagnosisContext, _ signal: String) -> Signal? {
        c.signals(named: signal).filter { $0.number?.isFinite == true }.max { ($0.number ?? 0) < ($1.number ?? 0) }
    }

    /// Members whose signal of this name has this string value.
    static func members(_ c: DiagnosisContext, _ signal: String, equal value: String) -> [Signal] {
        c.signals(named: signal).filter { $0.text == value }
    }

    /// Whether the incident holds a ticket of one of these invariants (on `entity` when given).
    static func incidentHas(_ c: DiagnosisContext, _ invariants: Set<String>, on entity: Entity? = nil) -> Bool {
        c.tickets.contains { invariants.contains($0.invariant) && (entity == nil || $0.entity == entity) }
    }

    /// A rule's score, lowered when none of the incident's tickets is one its category explains.
    static func score(_ base: Double, _ c: DiagnosisContext, _ invariants: Set<String>, on entity: Entity? = nil) -> Double {
        incidentHas(c, invariants, on: entity) ? base : base * 0.4
    }

    /// The incident's ticket of this invariant on this entity, as a claim citing it (`t12`).
    static func ticketClaim(_ c: DiagnosisContext, _ invariant: String, on entity: Entity, _ text: String) -> Claim? {
        guard let t = c.tickets.first(where: { $0.invariant == invariant && $0.entity == entity }), let id = t.id else { return nil }
        return Claim(text, evidence: ["t\(id)"], facts: [Fact(evidence: "t\(id)", equals: .string(invariant))])
    }

    /// A sentence stating a number lies at or above a bound.
    static func atLeast(_ s: Signal, _ bound: Double, _ text: String) -> Claim {
        Claim(text, evidence: s.id.map { [$0] } ?? [], facts: s.id.map { [Fact(evidence: $0, atLeast: bound)] } ?? [])
    }

    /// A sentence stating a number lies at or below a bound.
    static func atMost(_ s: Signal, _ bound: Double, _ text: String) -> Claim {
        Claim(text, evidence: s.id.map { [$0] } ?? [], facts: s.id.map { [Fact(evidence: $0, atMost: bound)] } ?? [])
    }

    /// "every member answers (e1 answers, e2 answers)" from the per-member signals, each value asserted.
    static func listing(_ signals: [Signal], _ lead: String) -> Claim? {
        guard !signals.isEmpty else { return nil }
        let parts = signals.map { "\(name($0.entity)) \($0.displayValue)" }.joined(separator: ", ")
        return Claim.from(signals, "\(lead) (\(parts))")
    }

    /// A hypothesis from claims. `absent` says what the context lacks when there is no value to cite
    /// against it (an absence states nothing the context could contradict).
    static func hypothesis(
        _ category: String, _ entity: Entity, score: Double, claims: [Claim], supporting: [Diagnosis.Evidence] = [],
        against: [Claim] = [], absent: String? = nil, actions: [Diagnosis.RecommendedAction] = []
    ) -> Hypothesis {
        var h = Hypothesis(
            category: category, entity: entity, score: score, claims: claims, supporting: supporting, againstClaims: against,
            actions: actions)
        if against.isEmpty, let absent { h.against = absent }
        if claims.isEmpty { h.explanation = EtcdKnowledge.meaning(category) }
        return h
    }
}
