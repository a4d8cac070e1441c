import Foundation
import GRDB

/// The outbox side of the ticket store: what the delivery service reads and marks, what
/// `operator notifications` lists and re-drives.
extension SQLiteTicketStore {
    public func registerNotificationRoutes(_ routes: [NotificationRoute]) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM notify_receiver")
            for route in routes {
                try db.execute(
                    sql: "INSERT INTO notify_receiver (name, events) VALUES (?, ?)",
                    arguments: [route.receiver, route.events.sorted().map(\.rawValue).joined(separator: ",")])
            }
        }
    }

    public func dueNotifications(receiver: String, now: Date, limit: Int) async throws -> [OutboxNotification] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                // An incident's rows go in order: one waits while an earlier row of its incident is pending
                // (its `opened` never arrives after its `resolved`); other incidents are not held back.
                sql: """
                    SELECT * FROM outbox AS o WHERE o.receiver = ? AND o.status = 'pending' AND o.next_attempt_at <= ?
                        AND NOT EXISTS (
                            SELECT 1 FROM outbox AS earlier WHERE earlier.receiver = o.receiver
                                AND earlier.incident_id = o.incident_id AND earlier.status = 'pending' AND earlier.id < o.id)
                    ORDER BY o.id LIMIT ?
                    """,
                arguments: [receiver, now, max(1, limit)]
            ).map(Outbox.row)
        }
    }

    public func markNotificationSent(id: Int64, at: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL
                    WHERE id = ?
                    """,
                arguments: [at, id])
        }
    }

    public func markNotificationFailed(id: Int64, error: String, at: Date, nextAttemptAt: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?
                    WHERE id = ? AND status = 'pending'
                    """,
                arguments: [String(error.prefix(2000)), nextAttemptAt, id])
        }
    }

    public func notifications(_ filter: NotificationFilter) async throws -> [OutboxNotification] {
        try await pool.read { db in
            var clauses: [String] = []
            var arguments: StatementArguments = []
            switch filter.status {
            case .pending: clauses.append("status = 'pending'")
            case .sent: clauses.append("status = 'sent'")
            case .failed: clauses.append("status = 'pending' AND last_error IS NOT NULL")
            case nil: break
            }
            if let receiver = filter.receiver {
                clauses.append("receiver = ?")
                arguments += [receiver]
            }
            if let incident = filter.incidentID {
                clauses.append("incident_id = ?")
                arguments += [incident]
            }
            var sql = "SELECT * FROM outbox"
            if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
            sql += " ORDER BY id DESC"
            if let limit = filter.limit {
                sql += " LIMIT ?"
                arguments += [limit]
            }
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Outbox.row)
        }
    }

    public func retryNotification(id: Int64, now: Date) async throws -> OutboxNotification {
        let path = path
        return try await pool.write { db in
            try db.execute(
                sql: "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, sent_at = NULL WHERE id = ?",
                arguments: [now, id])
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM outbox WHERE id = ?", arguments: [id]) else {
                throw NotFoundError(what: "notification", id: id, path: path)
            }
            return try Outbox.row(row)
        }
    }

    public func notificationCounts() async throws -> [NotificationCounts] {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT receiver,
                        SUM(status = 'pending') AS pending,
                        SUM(status = 'pending' AND last_error IS NOT NULL) AS failing,
                        SUM(status = 'sent') AS sent
                    FROM outbox GROUP BY receiver ORDER BY receiver
                    """)
            return rows.map { r in
                NotificationCounts(
                    receiver: r["receiver"], pending: r["pending"] ?? 0, failing: r["failing"] ?? 0, sent: r["sent"] ?? 0)
            }
        }
    }
}
