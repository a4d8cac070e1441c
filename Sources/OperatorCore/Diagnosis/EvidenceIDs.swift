/// Evidence ids: every signal, metric window and log event of a context gets a short id (`s1`, `m1`, `l1`)
/// that claims cite; tickets are cited as `t<ticket id>`. Ids are assigned once, in order, and kept when the
/// budget later drops items, so an id never changes meaning within one context.
extension DiagnosisContext {
    /// One citable item of the context.
    public enum EvidenceItem: Sendable, Equatable {
        case signal(Signal)
        case metric(MetricWindow)
        case log(LogEvent)
        case ticket(ContextTicket)
    }

    /// Gives every item without an id the next free one of its kind.
    mutating func numberEvidence() {
        func next(_ prefix: String, _ used: [String?]) -> () -> String {
            var n = used.compactMap { $0.flatMap { $0.hasPrefix(prefix) ? Int($0.dropFirst(prefix.count)) : nil } }.max() ?? 0
            return {
                n += 1
                return "\(prefix)\(n)"
            }
        }
        let s = next("s", evidence.signals.map(\.id))
        for i in evidence.signals.indices where evidence.signals[i].id == nil { evidence.signals[i].id = s() }
        let m = next("m", evidence.metrics.map(\.id))
        for i in evidence.metrics.indices where evidence.metrics[i].id == nil { evidence.metrics[i].id = m() }
        let l = next("l", evidence.logEvents.map(\.id))
        for i in evidence.logEvents.indices where evidence.logEvents[i].id == nil { evidence.logEvents[i].id = l() }
    }

    /// The item an evidence id names, or nil when the context has none by that id.
    public func evidenceItem(_ id: String) -> EvidenceItem? {
        if let s = evidence.signals.first(where: { $0.id == id }) { return .signal(s) }
        if let m = evidence.metrics.first(where: { $0.id == id }) { return .metric(m) }
        if let l = evidence.logEvents.first(where: { $0.id == id }) { return .log(l) }
        if id.hasPrefix("t"), let n = Int64(id.dropFirst()),
            let t = (tickets + otherOpenTickets).first(where: { $0.id == n })
        {
            return .ticket(t)
        }
        return nil
    }

    /// Every id a claim may cite, in context order.
    public var evidenceIDs: [String] {
        evidence.signals.compactMap(\.id) + evidence.metrics.compactMap(\.id) + evidence.logEvents.compactMap(\.id)
            + (tickets + otherOpenTickets).compactMap { $0.id.map { "t\($0)" } }
    }
}
