import OperatorCore

/// Which etcd violation explains which, within one observation.
///
/// - Down members explain `quorum-lost` and `no-leader` (the member down longest is named first, so it
///   becomes the incident's root and stays so while later members join).
/// - When members are down together and quorum is lost, the later ones join the first one's incident: they
///   are one outage (two of three gone), not two.
/// - `quorum-lost` explains `no-leader` when no member is down (members unhealthy for good).
/// - A down member that was the leader explains `leader-churn`; so do a lost quorum and a slow disk.
/// - `proposals-failing` is explained by the first of: a down leader, lost quorum, no leader, churn, slow disk.
/// - A database at its quota explains its own member failing `/health` (the NOSPACE alarm).
enum EtcdCausalLinks {
    static func links(among violations: [Violation], in s: EtcdSnapshot) -> [CausalLink] {
        func all(_ invariant: String) -> [Violation] { violations.filter { $0.invariant == invariant } }
        let downs = all("member-down").sorted { a, b in
            let da = s.members.first { $0.entity == a.entity }?.downSince
            let db = s.members.first { $0.entity == b.entity }?.downSince
            switch (da, db) {
            case let (x?, y?) where x != y: return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a.entity < b.entity
            }
        }
        let quorum = all("quorum-lost").first
        let noLeader = all("no-leader").first
        let churn = all("leader-churn").first
        let failing = all("proposals-failing").first
        let slowDisks = all("fsync-slow")
        var out: [CausalLink] = []
        func name(_ v: Violation) -> String { v.entity.id ?? v.entity.description }

        if let quorum {
            for d in downs {
                out.append(CausalLink(cause: d.key, effect: quorum.key, reason: "\(name(d)) is down, leaving \(quorum.message.split(separator: ";").first ?? "")"))
            }
        }
        if let noLeader {
            for d in downs {
                out.append(CausalLink(cause: d.key, effect: noLeader.key, reason: "\(name(d)) is down and no member leads"))
            }
            if let quorum {
                out.append(CausalLink(cause: quorum.key, effect: noLeader.key, reason: "without a majority no leader can be elected"))
            }
        }
        if quorum != nil, let first = downs.first {
            for d in downs.dropFirst() {
                out.append(
                    CausalLink(
                        cause: first.key, effect: d.key,
                        reason: "\(name(d)) went down while \(name(first)) was already down; together they cost the cluster its quorum"))
            }
        }
        let downLeader = downs.first { d in
            guard let m = s.members.first(where: { $0.entity == d.entity }) else { return false }
            return LeaderNote.wasLeader(m, in: s)
        }
        if let churn {
            if let downLeader {
                out.append(
                    CausalLink(cause: downLeader.key, effect: churn.key, reason: "\(name(downLeader)) was the leader; losing it forced an election"))
            }
            if let quorum {
                out.append(CausalLink(cause: quorum.key, effect: churn.key, reason: "without quorum members keep campaigning"))
            }
            for slow in slowDisks {
                out.append(
                    CausalLink(cause: slow.key, effect: churn.key, reason: "slow WAL fsync on \(name(slow)) delays heartbeats and triggers elections"))
            }
        }
        if let failing {
            let cause = downLeader ?? quorum ?? noLeader ?? churn ?? slowDisks.first
            if let cause {
                out.append(CausalLink(cause: cause.key, effect: failing.key, reason: "proposals fail while \(cause.invariant) on \(cause.entity)"))
            }
        }
        for db in all("db-size-near-quota") {
            for d in downs where d.entity == db.entity {
                out.append(CausalLink(cause: db.key, effect: d.key, reason: "a database at its quota raises the NOSPACE alarm"))
            }
        }
        return out
    }
}
