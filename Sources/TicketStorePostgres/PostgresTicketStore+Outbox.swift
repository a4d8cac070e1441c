import Foundation
import OperatorCore
import PostgresNIO

/// The outbox: what the delivery service reads and marks, what `operator notifications` lists and re-drives.
extension PostgresTicketStore {
    public func registerNotificationRoutes(_ routes: [NotificationRoute]) async throws {
        try await transaction { session in
            try await session.execute("DELETE FROM notify_receiver")
            for route in routes {
                let events = route.events.sorted().map(\.rawValue).joined(separator: ",")
                try await session.execute("INSERT INTO notify_receiver (name, events) VALUES (\(route.receiver), \(events))")
            }
        }
    }

    public func dueNotifications(receiver: String, now: Date, limit: Int) async throws -> [OutboxNotification] {
        try await read { session in
            // An incident's rows go in order: one waits while an earlier row of its incident is pending.
            try await session.rows(
                """
                SELECT * FROM outbox AS o WHERE o.receiver = \(receiver) AND o.status = 'pending' AND o.next_attempt_at <= \(now)
                    AND NOT EXISTS (
                        SELECT 1 FROM outbox AS earlier WHERE earlier.receiver = o.receiver
                            AND earlier.incident_id = o.incident_id AND earlier.status = 'pending' AND earlier.id < o.id)
                ORDER BY o.id LIMIT \(max(1, limit))
                """
            ).map(PostgresRows.notification)
        }
    }

    public func markNotificationSent(id: Int64, at: Date) async throws {
        try await transaction { session in
            try await session.execute(
                "UPDATE outbox SET status = 'sent', sent_at = \(at), attempts = attempts + 1, last_error = NULL WHERE id = \(id)")
        }
    }

    public func markNotificationFailed(id: Int64, error: String, at: Date, nextAttemptAt: Date) async throws {
        let message = String(error.prefix(2000))
        try await transaction { session in
            try await session.execute(
                """
                UPDATE outbox SET attempts = attempts + 1, last_error = \(message), next_attempt_at = \(nextAttemptAt)
                WHERE id = \(id) AND status = 'pending'
                """)
        }
    }

    public func notifications(_ filter: NotificationFilter) async throws -> [OutboxNotification] {
        let condition: String
        switch filter.status {
        case .pending: condition = "status = 'pending'"
        case .sent: condition = "status = 'sent'"
        case .failed: condition = "status = 'pending' AND last_error IS NOT NULL"
        case nil: condition = "TRUE"
        }
        return try await read { session in
            try await session.rows(
                """
                SELECT * FROM outbox WHERE \(unescaped: condition)
                    AND (\(filter.receiver)::text IS NULL OR receiver = \(filter.receiver))
                    AND (\(filter.incidentID)::bigint IS NULL OR incident_id = \(filter.incidentID))
                ORDER BY id DESC LIMIT \(filter.limit)
                """
            ).map(PostgresRows.notification)
        }
    }

    public func retryNotification(id: Int64, now: Date) async throws -> OutboxNotification {
        let path = location.description
        return try await transaction { session in
            try await session.execute(
                "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = \(now), sent_at = NULL WHERE id = \(id)")
            guard let row = try await session.row("SELECT * FROM outbox WHERE id = \(id)") else {
                throw NotFoundError(what: "notification", id: id, path: path)
            }
            return try PostgresRows.notification(row)
        }
    }

    public func notificationCounts() async throws -> [NotificationCounts] {
        try await read { session in
            try await session.rows(
                """
                SELECT receiver,
                    COUNT(*) FILTER (WHERE status = 'pending') AS pending,
                    COUNT(*) FILTER (WHERE status = 'pending' AND last_error IS NOT NULL) AS failing,
                    COUNT(*) FILTER (WHERE status = 'sent') AS sent
                FROM outbox GROUP BY receiver ORDER BY receiver
                """
            ).map { row in
                NotificationCounts(
                    receiver: try row.get("receiver"), pending: try row.get("pending"), failing: try row.get("failing"),
                    sent: try row.get("sent"))
            }
        }
    }
}
