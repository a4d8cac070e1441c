import Foundation
import GRDB

/// What people do to an incident by hand (the CLI, the API, the console): acknowledge it, resolve it.
extension SQLiteTicketStore {
    public func acknowledgeIncident(id: Int64, by: String, note: String?, at: Date) async throws -> Incident {
        let path = path
        return try await pool.write { db in
            guard try StoredRows.incident(id: id, in: db) != nil else {
                throw NotFoundError(what: "incident", id: id, path: path)
            }
            try db.execute(
                sql: "UPDATE incident SET acknowledged_by = ?, acknowledged_at = ? WHERE id = ?", arguments: [by, at, id])
            let detail = "acknowledged by \(by)" + (note.map { $0.isEmpty ? "" : ": \($0)" } ?? "")
            try StoredRows.insertEvent(db, at: at, kind: .acknowledged, ticket: nil, incident: id, detail: detail)
            guard let incident = try StoredRows.incident(id: id, in: db) else {
                throw NotFoundError(what: "incident", id: id, path: path)
            }
            return incident
        }
    }

    public func resolveIncident(id: Int64, at: Date, note: String?) async throws -> Incident {
        let path = path
        return try await pool.write { db in
            guard let incident = try StoredRows.incident(id: id, in: db) else {
                throw NotFoundError(what: "incident", id: id, path: path)
            }
            guard incident.status != .resolved else { return incident }
            let detail = "resolved by hand" + (note.map { $0.isEmpty ? "" : ": \($0)" } ?? "")
            let open = try Int64.fetchAll(
                db, sql: "SELECT id FROM ticket WHERE incident_id = ? AND status != 'resolved' ORDER BY id", arguments: [id])
            for ticket in open {
                try db.execute(
                    sql: "UPDATE ticket SET status = 'resolved', resolved_at = ?, missed_ticks = 0 WHERE id = ?",
                    arguments: [at, ticket])
                try StoredRows.insertEvent(db, at: at, kind: .manuallyResolved, ticket: ticket, incident: id, detail: detail)
            }
            // Resolved like an incident whose tickets all aged out: a recurrence within the reopen window
            // reopens it (the ticket reopens on the next tick its violation is seen).
            try db.execute(
                sql: """
                    UPDATE incident SET status = 'resolved', resolved_at = ?, updated_at = ?, claimed_until = NULL,
                        flapping_since = NULL WHERE id = ?
                    """,
                arguments: [at, at, id])
            try StoredRows.insertEvent(db, at: at, kind: .manuallyResolved, ticket: nil, incident: id, detail: detail)
            guard let resolved = try StoredRows.incident(id: id, in: db) else {
                throw NotFoundError(what: "incident", id: id, path: path)
            }
            return resolved
        }
    }
}
