import OperatorCore

/// The offline diagnoser's rules for TiKV: one per category. Each answers on every context with a score;
/// when its category does not fit, its against-claims cite the values that rule it out. Store-level rules
/// look at the incident's own stores (all stores when the incident names none), so open tickets elsewhere
/// are distractors, not candidates. Every sentence that states a fact is a `Claim` citing the context's
/// evidence, so the offline diagnoser's strict audit can check it.
public enum TiKVRules {
    public static func all(_ t: TiKVThresholds) -> [DiagnosisRule] {
        [
            DiagnosisRule(category: TiKVCategory.nodeDown) { nodeDown(DiagnosisFacts($0)) },
            DiagnosisRule(category: TiKVCategory.controlPlaneDown) { controlPlaneDown(DiagnosisFacts($0)) },
            DiagnosisRule(category: TiKVCategory.diskFull) { diskFull(DiagnosisFacts($0), t) },
            DiagnosisRule(category: TiKVCategory.slowDisk) { slowDisk(DiagnosisFacts($0), t) },
            DiagnosisRule(category: TiKVCategory.overload) { overload(DiagnosisFacts($0), t) },
            DiagnosisRule(category: TiKVCategory.networkLag) { networkLag(DiagnosisFacts($0), t) },
            DiagnosisRule(category: TiKVCategory.replicationDegraded) { replicationDegraded(DiagnosisFacts($0)) },
            DiagnosisRule(category: TiKVCategory.leaderImbalance) { leaderImbalance(DiagnosisFacts($0), t) },
            DiagnosisRule(category: TiKVCategory.writeStall) { writeStall(DiagnosisFacts($0)) },
            DiagnosisRule(category: TiKVCategory.restartLoop) { restartLoop(DiagnosisFacts($0)) },
            DiagnosisRule(category: TiKVCategory.networkPartition) { networkPartition(DiagnosisFacts($0)) },
            DiagnosisRule(category: TiKVCategory.slowStore) { slowStore(DiagnosisFacts($0), t) },
            DiagnosisRule(category: TiKVCategory.pdLeaderSwitch) { pdLeaderSwitch(DiagnosisFacts($0)) },
            DiagnosisRule(category: TiKVCategory.pendingPeers) { pendingPeers(DiagnosisFacts($0)) },
            DiagnosisRule(category: TiKVCategory.tooManyRegions) { tooManyRegions(DiagnosisFacts($0), t) },
        ]
    }

    typealias Facts = DiagnosisFacts
    static func fmt(_ v: Double?) -> String { Facts.fmt(v) }
    static func pct(_ v: Double?) -> String { Facts.pct(v) }
    static func secs(_ v: Double?) -> String { Facts.secs(v) }

    static func fallbackEntity(_ f: Facts) -> Entity { f.context.incident.rootEntity }

    /// A hypothesis that does not fit: named by what it would mean, with claims that say why not.
    static func weak(_ category: String, _ entity: Entity, score: Double, _ symptom: String, against: [Claim],
        supporting: [Diagnosis.Evidence] = []) -> Hypothesis
    {
        var h = StoreRuleSkeleton.weak(category: category, entity: entity, score: score, symptom: symptom, against: against)
        h.supporting = supporting
        return h
    }

    /// "store 2 is down (Disconnected)" for the first down store anywhere, to argue against symptoms.
    static func downStoreClaim(_ f: Facts, suffix: String = "which explains this on its peers") -> Claim? {
        guard let s = f.allStores.first(where: \.isDown) else { return nil }
        return f.claim("\(s.label) is down (\(s.state ?? "status endpoint unreachable")), \(suffix)", s.stateSignals)
    }

    // MARK: PD facts shared by several rules

    static func pdUnhealthySignals(_ f: Facts) -> [Signal] {
        f.context.signals(named: "pd.member_healthy").filter { $0.value.boolValue == false && $0.entity != nil }
    }

    static func pdUnhealthyMembers(_ f: Facts) -> [Entity] { pdUnhealthySignals(f).compactMap(\.entity) }

    static func pdLeaderMissing(_ f: Facts) -> Bool {
        if let s = f.clusterSignal("pd.leader") { return s.value == .null }
        return false
    }

    static func wasLeader(_ f: Facts, _ member: Entity) -> Bool {
        guard let name = member.id else { return false }
        return f.clusterSignal("pd.leader")?.text == name || f.clusterSignal("pd.previous_leader")?.text == name
    }

    /// The `pd.leader` / `pd.previous_leader` signal that names this member.
    static func leaderSignals(_ f: Facts, naming member: Entity) -> [Signal] {
        guard let name = member.id else { return [] }
        return [f.clusterSignal("pd.leader"), f.clusterSignal("pd.previous_leader")].compactMap { $0 }.filter { $0.text == name }
    }
}
