import Foundation
import GRDB

/// Flap damping inside one tick's write transaction (the rules are `FlapPolicy`'s).
///
/// A recurrence is a member ticket violating again after it had been absent long enough to resolve:
/// before the incident flaps, that is a ticket `reopened` event; once it flaps, the ticket is held open
/// and the recurrence only bumps its own and the incident's `flap_count`, so a fault flapping all night writes two
/// timeline lines (started flapping, settled) instead of six per cycle.
struct FlapDetector {
    let db: Database
    let policy: FlapPolicy

    /// Incidents currently flapping, among `ids`.
    func flapping(among ids: Set<Int64>) throws -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        let sorted = ids.sorted()
        return Set(
            try Int64.fetchAll(
                db,
                sql: "SELECT id FROM incident WHERE flapping_since IS NOT NULL AND id IN (\(sorted.map { _ in "?" }.joined(separator: ",")))",
                arguments: StatementArguments(sorted)))
    }

    /// A held ticket's violation came back: one more recurrence for it, and for its incident when it is
    /// now the most-recurring member (a cycle that brings back several members counts once).
    func countRecurrence(ticket: Int64, incident: Int64, now: Date) throws {
        try db.execute(sql: "UPDATE ticket SET flap_count = flap_count + 1 WHERE id = ?", arguments: [ticket])
        try db.execute(
            sql: """
                UPDATE incident SET updated_at = ?,
                    flap_count = MAX(flap_count, (SELECT flap_count FROM ticket WHERE id = ?)) WHERE id = ?
                """,
            arguments: [now, ticket, incident])
    }

    /// Whether a held ticket's violation has been absent for the settle period.
    func hasSettled(lastSeen: Date, now: Date) -> Bool {
        now.timeIntervalSince(lastSeen) >= policy.settle.seconds
    }

    /// After member tickets recurred into `incident` this tick: marks it flapping when one member
    /// recurred `threshold` times within the window. Returns whether it started flapping now.
    func startFlappingIfDue(incident: Int64, now: Date) throws -> Bool {
        guard
            let since = try Row.fetchOne(db, sql: "SELECT flapping_since FROM incident WHERE id = ?", arguments: [incident]),
            (since["flapping_since"] as Date?) == nil
        else { return false }
        // Recurrences per member within the window: ticket `reopened` events.
        let perTicket = try Row.fetchAll(
            db,
            sql: """
                SELECT ticket_id, COUNT(*) AS n FROM event WHERE kind = ? AND at > ?
                    AND ticket_id IN (SELECT id FROM ticket WHERE incident_id = ?)
                GROUP BY ticket_id
                """,
            arguments: [TimelineEvent.Kind.reopened.rawValue, now.addingTimeInterval(-policy.window.seconds), incident])
        let recurrences = perTicket.map { $0["n"] as Int }.max() ?? 0
        guard recurrences >= policy.threshold else { return false }
        for row in perTicket {
            try db.execute(
                sql: "UPDATE ticket SET flap_count = ? WHERE id = ?", arguments: [row["n"] as Int, row["ticket_id"] as Int64])
        }
        try db.execute(
            sql: "UPDATE incident SET flapping_since = ?, flap_count = ?, updated_at = ? WHERE id = ?",
            arguments: [now, recurrences, now, incident])
        let detail = """
            flapping: a member recurred \(recurrences) times within \(DurationText.format(policy.window)); \
            tickets are held open until quiet for \(DurationText.format(policy.settle)), re-diagnosed only on material change
            """
        try StoredRows.insertEvent(db, at: now, kind: .flapping, ticket: nil, incident: incident, detail: detail)
        return true
    }
}
