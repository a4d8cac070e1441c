import OperatorCore

/// Claims built from the facts: every sentence a rule states cites the signals (or tickets) it rests on and
/// asserts the values it read, so the claim check can compare them with the context.
extension DiagnosisFacts {
    /// A sentence resting on these signals (absent ones are skipped). When none is present, the sentence is
    /// about what the context lacks, and it cites the incident's root ticket instead.
    func claim(_ text: String, _ signals: [Signal?]) -> Claim {
        let cited = signals.compactMap { $0 }.filter { $0.id != nil }
        return cited.isEmpty ? ticketClaim(text) : Claim.from(cited, text)
    }

    /// A sentence about the incident itself ("no free-space figure was gathered for store 2"): it cites the
    /// incident's tickets, asserting their invariants.
    func ticketClaim(_ text: String) -> Claim {
        let tickets = context.rootTicket.map { [$0] } ?? []
        return Self.cite(tickets, text)
    }

    /// A sentence about open tickets: it cites each and asserts its invariant.
    static func cite(_ tickets: [ContextTicket], _ text: String) -> Claim {
        let ids = tickets.compactMap { t in t.id.map { ("t\($0)", t.invariant) } }
        return Claim(text, evidence: ids.map(\.0), facts: ids.map { Fact(evidence: $0.0, equals: .string($0.1)) })
    }

    /// The values a peer median is computed from: the signal on every other store that is not down.
    func peerSignals(_ name: String, excluding entity: Entity) -> [Signal] {
        allStores.filter { $0.entity != entity && !$0.isDown }.compactMap { $0.signals[name] }
    }

    /// Why a store's symptoms count for less here, as a claim citing the tickets it rests on, or `nil` when the
    /// store belongs to the incident.
    func relevanceClaim(of store: Entity) -> Claim? {
        guard let text = relevanceRemark(of: store) else { return nil }
        let own = context.otherOpenTickets.filter { $0.entity == store }
        return own.isEmpty ? Self.cite(context.tickets, text) : Self.cite(own, text)
    }
}

extension DiagnosisFacts.Store {
    func signal(_ name: String) -> Signal? { signals[name] }

    /// The signals behind `isDown`/`state`, for claims about them.
    var stateSignals: [Signal?] { [signals["store.state"], signals["store.status_reachable"]] }
}
