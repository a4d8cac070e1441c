import Foundation
import OperatorCore

/// Which etcd violation explains which, so one fault is one incident and a second, independent fault is a
/// second one.
///
/// - Members out of service (`member-down`: refused; `member-unresponsive`: frozen) explain `quorum-lost`
///   and `no-leader`; the one out longest is named first and becomes the incident's root. With quorum lost,
///   later ones join the first one's incident (two of three gone is one outage).
/// - `quorum-lost` explains `no-leader`.
/// - An active alarm is one fault: it explains the database size of the member that raised it, failing
///   proposals, and any member failing `/health` (every member answers 503 while it lasts).
/// - A slow disk explains its own member failing `/health` and leader churn.
/// - An out-of-service leader explains leader churn and failing proposals; so does, failing its own
///   proposals, a member cut off from the others (`member-unhealthy`, no leader while the others have one).
/// - A member that answers again after being down or frozen is recovering: its after-effects (a WAL fsync
///   that spanned the freeze, a failed `/health` while it catches up, failed proposals, the election it
///   caused) are explained by the ticket of its outage. That ticket may no longer be violated in this
///   observation; the ticket store still groups by it while it is open.
enum EtcdCausalLinks {
    static func links(among violations: [Violation], in s: EtcdSnapshot) -> [CausalLink] {
        func all(_ invariant: String) -> [Violation] { violations.filter { $0.invariant == invariant } }
        func member(_ v: Violation) -> EtcdMemberState? { s.members.first { $0.entity == v.entity } }
        func name(_ v: Violation) -> String { v.entity.id ?? v.entity.description }
        func outSince(_ v: Violation) -> Date? {
            guard let m = member(v) else { return nil }
            return m.downSince ?? m.recoveringSince
        }
        let outs = (all("member-down") + all("member-unresponsive")).sorted { a, b in
            switch (outSince(a), outSince(b)) {
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
        let unhealthy = all("member-unhealthy")
        let alarms = all("alarm-active")
        var out: [CausalLink] = []

        // Outages.
        for o in outs {
            let how = o.invariant == "member-down" ? "is down" : "is frozen"
            if let quorum { out.append(CausalLink(cause: o.key, effect: quorum.key, reason: "\(name(o)) \(how), and no leader is left with a majority")) }
            if let noLeader { out.append(CausalLink(cause: o.key, effect: noLeader.key, reason: "\(name(o)) \(how) and no member leads")) }
        }
        if let quorum, let noLeader {
            out.append(CausalLink(cause: quorum.key, effect: noLeader.key, reason: "with fewer than a majority serving, no election can succeed"))
        }
        if quorum != nil, let first = outs.first {
            for o in outs.dropFirst() {
                out.append(
                    CausalLink(
                        cause: first.key, effect: o.key,
                        reason: "\(name(o)) went out while \(name(first)) was already out; together they cost the cluster its quorum"))
            }
        }

        // Alarms: one fault, cluster-wide effects.
        for a in alarms {
            for db in all("db-size-near-quota") where db.entity == a.entity {
                out.append(CausalLink(cause: a.key, effect: db.key, reason: "the alarm was raised because \(name(db))'s database reached its quota"))
            }
            for u in unhealthy {
                out.append(CausalLink(cause: a.key, effect: u.key, reason: "every member fails /health while an alarm is active"))
            }
        }

        // A slow disk and its own member's failing health checks.
        for slow in slowDisks {
            for u in unhealthy where u.entity == slow.entity {
                out.append(CausalLink(cause: slow.key, effect: u.key, reason: "slow WAL fsync on \(name(slow)) makes its /health time out"))
            }
        }

        // Recovering members: the outage ticket explains what the member does once it is back.
        var recoveries: [(EtcdMemberState, ViolationKey)] = []
        for m in s.members where m.reachable && m.recoveringSince != nil {
            let invariant: String
            switch m.recoveringFrom {
            case .silent?: invariant = "member-unresponsive"
            case .answers?: invariant = "member-unhealthy"
            default: invariant = "member-down"
            }
            recoveries.append((m, ViolationKey(invariant: invariant, entity: m.entity)))
        }
        for (m, outage) in recoveries {
            for v in slowDisks + unhealthy where v.entity == m.entity {
                out.append(
                    CausalLink(
                        cause: outage, effect: v.key,
                        reason: "\(m.displayName) is recovering from being \(m.recoveringFrom == .silent ? "frozen" : m.recoveringFrom == .answers ? "unhealthy" : "down"): \(v.invariant) is its after-effect"))
            }
        }

        let leaderOut = outs.first { v in member(v).map { LeaderNote.wasLeader($0, in: s) } ?? false }
        let leaderRecovering = recoveries.first { LeaderNote.wasLeader($0.0, in: s) || s.previousLeader?.id == $0.0.id }
        if let churn {
            if let leaderOut {
                out.append(CausalLink(cause: leaderOut.key, effect: churn.key, reason: "\(name(leaderOut)) was the leader; losing it forced an election"))
            }
            if let recovery = leaderRecovering {
                let (m, outage) = recovery
                out.append(CausalLink(cause: outage, effect: churn.key, reason: "\(m.displayName) led before it went out; its loss forced an election"))
            }
            if let quorum { out.append(CausalLink(cause: quorum.key, effect: churn.key, reason: "without quorum members keep campaigning")) }
            for slow in slowDisks {
                out.append(CausalLink(cause: slow.key, effect: churn.key, reason: "slow WAL fsync on \(name(slow)) delays heartbeats and triggers elections"))
            }
        }
        // A leader change caused by the previous leader's outage or removal belongs to that fault; a change
        // whose previous leader is still there, healthy, stays on its own (a transfer).
        if let changed = all("leader-changed").first, let previous = s.previousLeader {
            let previousOut = outs.first { member($0)?.id == previous.id }
            let removal = all("member-removed").first { v in s.removedMembers.contains { $0.id == previous.id && $0.entity == v.entity } }
            if let cause = previousOut ?? removal {
                out.append(CausalLink(cause: cause.key, effect: changed.key, reason: "\(name(cause)) led until \(cause.invariant)"))
            } else if let recovery = recoveries.first(where: { $0.0.id == previous.id }) {
                out.append(
                    CausalLink(cause: recovery.1, effect: changed.key, reason: "\(recovery.0.displayName) led until it went out; it is recovering"))
            } else if let quorum {
                out.append(CausalLink(cause: quorum.key, effect: changed.key, reason: "leadership moved while quorum was lost"))
            } else if let other = outs.first, s.member(previous.id)?.isHealthy != true {
                // A member out elsewhere explains a change only when the previous leader is not serving
                // either; while it stays healthy the move was a transfer, not the outage's doing.
                out.append(CausalLink(cause: other.key, effect: changed.key, reason: "leadership moved while \(name(other)) was out"))
            } else if let recovery = recoveries.first {
                // An election once members came back (quorum restored after an outage) belongs to the outage.
                out.append(
                    CausalLink(
                        cause: recovery.1, effect: changed.key, reason: "leadership moved as \(recovery.0.displayName) came back from an outage"))
            }
        }
        if let failing {
            // A member cut off or unhealthy fails its own proposals (a partitioned member's time out).
            let failingOn = unhealthy.first { v in (member(v)?.metrics?.proposalsFailedInWindow ?? 0) > 0 }
            let candidates: [Violation?] = [leaderOut, outs.first, quorum, alarms.first, noLeader, churn, slowDisks.first, failingOn]
            if let cause = candidates.compactMap({ $0 }).first {
                out.append(CausalLink(cause: cause.key, effect: failing.key, reason: "proposals fail while \(cause.invariant) on \(cause.entity)"))
            } else if let recovery = leaderRecovering ?? recoveries.first {
                let (m, outage) = recovery
                out.append(
                    CausalLink(cause: outage, effect: failing.key, reason: "proposals failed while \(m.displayName) was out; it is recovering"))
            }
        }
        return out
    }
}
