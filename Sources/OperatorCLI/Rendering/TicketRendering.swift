import Foundation
import OperatorCore

enum TicketRendering {
    static func table(_ tickets: [Ticket]) -> String {
        // The cluster column appears once a database holds more than the single-cluster `default`.
        let clusters = tickets.contains { $0.cluster != ClusterName.default }
        var t = TextTable("ID", "STATUS", "SEVERITY", "SUBJECT", "INVARIANT", "ENTITY", "SEEN", "LAST SEEN", "INCIDENT", "MESSAGE")
        if clusters { t.headers.insert("CLUSTER", at: 1) }
        for k in tickets {
            t.add(
                ["\(k.id)"] + (clusters ? [k.cluster] : []) + [k.status.rawValue, k.severity.rawValue, k.subject, k.invariant, k.entity.description,
                "\(k.occurrences)x", Timestamp.format(k.lastSeen), k.incidentID.map { "#\($0)" } ?? "-", k.message])
        }
        return t.render()
    }

    static func detail(_ k: Ticket, timeline: [TimelineEvent]) -> String {
        var out = [
            "Ticket #\(k.id): \(k.invariant) on \(k.entity)",
            "  status      \(k.status.rawValue)\(k.reopenCount > 0 ? " (reopened \(k.reopenCount)x)" : "")"
                + (k.flapCount > 0 ? ", flapped \(k.flapCount)x (held open while its incident flaps)" : ""),
            "  severity    \(k.severity.rawValue)",
            "  cluster     \(k.cluster)",
            "  subject     \(k.subject)",
            "  message     \(k.message)",
            "  first seen  \(Timestamp.format(k.firstSeen))",
            "  last seen   \(Timestamp.format(k.lastSeen)) (\(k.occurrences) tick(s))",
            "  resolved    \(k.resolvedAt.map(Timestamp.format) ?? "-")",
            "  incident    \(k.incidentID.map { "#\($0) (operator incidents show \($0))" } ?? "-")",
        ]
        if let error = k.diagnosisError { out.append("  diagnosis   failed: \(error)") }
        if k.snapshotExcerpt != .null { out.append("  excerpt     \(TextTable.clip(k.snapshotExcerpt.jsonText, 300))") }
        out.append("")
        out.append(timelineText(timeline))
        if let d = k.diagnosis {
            out.append("")
            out.append(DiagnosisRendering.render(d))
        } else {
            out.append("")
            out.append("Not diagnosed yet (operator diagnose --ticket \(k.id)).")
        }
        return out.joined(separator: "\n")
    }

    static func timelineText(_ events: [TimelineEvent]) -> String {
        guard !events.isEmpty else { return "Timeline: (empty)" }
        var t = TextTable("  AT", "EVENT", "TICKET", "DETAIL")
        for e in events {
            t.add("  " + Timestamp.format(e.at), e.kind.rawValue, e.ticketID.map { "#\($0)" } ?? "", e.detail)
        }
        // Wide enough for a skipped re-diagnosis's reason.
        return "Timeline:\n" + t.render(maxCell: 200)
    }
}
