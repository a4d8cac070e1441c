import Foundation

/// Helpers a subject uses to place alerts: compare an alert's `instance` with the addresses it knows, and
/// link an alert to the violation on the same entity that explains it.
public enum AlertPlacement {
    /// `host:port` of an address or URL, lower-cased (`http://Node-1:20180/metrics` → `node-1:20180`), or nil
    /// when there is no host.
    public static func hostPort(_ text: String) -> String? {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<slash] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        return rest.isEmpty ? nil : rest.lowercased()
    }

    /// Whether the alert's `instance` label is one of `addresses` (each an address or URL).
    public static func instance(_ labels: [String: String], isOneOf addresses: [String?]) -> Bool {
        guard let instance = labels["instance"].flatMap(hostPort) else { return false }
        return addresses.contains { $0.flatMap(hostPort) == instance }
    }

    /// For every alert violation on a node (not `cluster`): a link from the violation on the same entity
    /// that explains it — the first of `preferred` present, else any other non-alert violation there.
    public static func sameEntityLinks(among violations: [Violation], preferred: [String]) -> [CausalLink] {
        let causes = violations.filter { !AlertTicket.isAlert($0.invariant) }
        var links: [CausalLink] = []
        for alert in violations where AlertTicket.isAlert(alert.invariant) && alert.entity != .cluster {
            let here = causes.filter { $0.entity == alert.entity }
            let ranked = here.sorted { a, b in
                let ra = preferred.firstIndex(of: a.invariant) ?? preferred.count
                let rb = preferred.firstIndex(of: b.invariant) ?? preferred.count
                return ra != rb ? ra < rb : a.invariant < b.invariant
            }
            guard let cause = ranked.first else { continue }
            links.append(
                CausalLink(
                    cause: cause.key, effect: alert.key,
                    reason: "the alert \(alert.invariant.dropFirst(AlertTicket.invariantPrefix.count)) on \(alert.entity) reports the \(cause.invariant) Operator found there"))
        }
        return links
    }
}
