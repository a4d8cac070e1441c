import OperatorCore

/// The signals of a diagnosis context arranged per store, with peer comparisons. Rules read the context only
/// through this, so a stored context replays to the same verdict.
struct DiagnosisFacts {
    struct Store {
        let entity: Entity
        var signals: [String: Signal] = [:]

        func number(_ name: String) -> Double? { signals[name]?.number }
        var state: String? { signals["store.state"]?.text }
        var reachable: Bool? { signals["store.status_reachable"]?.value.boolValue }
        /// PD no longer hears from it, or its status server does not answer.
        var isDown: Bool { state == "Disconnected" || state == "Down" || reachable == false }
        var label: String { entity.description.replacingOccurrences(of: "store:", with: "store ") }
    }

    let context: DiagnosisContext
    let stores: [Entity: Store]

    init(_ context: DiagnosisContext) {
        self.context = context
        var stores: [Entity: Store] = [:]
        for s in context.evidence.signals where s.name.hasPrefix("store.") {
            guard let e = s.entity, e.kind == "store" else { continue }
            stores[e, default: Store(entity: e)].signals[s.name] = s
        }
        self.stores = stores
    }

    /// Store entities named by the incident's tickets, root first.
    var incidentStores: [Entity] {
        var out: [Entity] = []
        let root = context.incident.rootEntity
        if root.kind == "store" { out.append(root) }
        for t in context.tickets where t.entity.kind == "store" && !out.contains(t.entity) { out.append(t.entity) }
        return out
    }

    /// Stores a store-level rule should consider: the incident's own, else every store.
    var candidateStores: [Store] {
        let own = incidentStores.compactMap { stores[$0] ?? Store(entity: $0) }
        return own.isEmpty ? stores.values.sorted { $0.entity < $1.entity } : own
    }

    var allStores: [Store] { stores.values.sorted { $0.entity < $1.entity } }

    /// How much a store's symptoms bear on this incident: 1 for the incident's own stores; less for a store
    /// the incident does not name (0.5), least for one with its own open ticket elsewhere (0.3) — that
    /// store is a separate problem, a distractor here.
    func relevance(of store: Entity) -> Double {
        if incidentStores.contains(store) { return 1 }
        return context.otherOpenTickets.contains { $0.entity == store } ? 0.3 : 0.5
    }

    /// Why a store's symptoms count for less here, or `nil` when it belongs to the incident.
    func relevanceRemark(of store: Entity) -> String? {
        guard relevance(of: store) < 1 else { return nil }
        let own = context.otherOpenTickets.filter { $0.entity == store }.map(\.invariant)
        return own.isEmpty
            ? "\(store) is not part of this incident's violations"
            : "\(store) has its own open ticket (\(own.joined(separator: ", "))), a separate problem"
    }

    /// Median of a signal over the other stores that are not down.
    func peerMedian(_ name: String, excluding entity: Entity) -> Double? {
        let values = stores.values.filter { $0.entity != entity && !$0.isDown }.compactMap { $0.number(name) }.sorted()
        guard !values.isEmpty else { return nil }
        let mid = values.count / 2
        return values.count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2
    }

    /// How many times the peers' median a store's value is (`nil` without both; a floor avoids dividing by ~0).
    func ratioToPeers(_ name: String, of store: Store, floor: Double) -> Double? {
        guard let v = store.number(name), let median = peerMedian(name, excluding: store.entity) else { return nil }
        return v / max(median, floor)
    }

    func rootIs(_ invariant: String, on entity: Entity? = nil) -> Bool {
        context.incident.rootInvariant == invariant && (entity == nil || context.incident.rootEntity == entity)
    }

    func incidentHas(_ invariant: String, on entity: Entity? = nil) -> Bool {
        context.hasTicket(invariant: invariant, on: entity, includingOthers: false)
    }

    /// Open tickets of this invariant outside the incident, for "that is a separate problem" remarks.
    func otherTickets(_ invariant: String) -> [ContextTicket] {
        context.otherOpenTickets.filter { $0.invariant == invariant }
    }

    func evidence(_ store: Store, _ names: [String]) -> [Diagnosis.Evidence] {
        names.compactMap { store.signals[$0]?.asEvidence() }
    }

    func clusterSignal(_ name: String) -> Signal? { context.signal(named: name) }

    static func fmt(_ v: Double?) -> String {
        guard let v else { return "absent" }
        if v == v.rounded(), abs(v) < 1e12 { return String(Int64(v)) }
        return String(format: "%.3g", v)
    }

    static func pct(_ v: Double?) -> String {
        v.map { String(format: "%.0f%%", $0 * 100) } ?? "absent"
    }

    static func secs(_ v: Double?) -> String {
        v.map { DurationText.format(seconds: $0) } ?? "absent"
    }
}
