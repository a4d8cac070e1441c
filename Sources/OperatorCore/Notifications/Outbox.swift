import Foundation
import GRDB

/// Writes outbox rows inside the transaction of the incident change that causes them: a crash either
/// keeps the change and its notifications or neither.
enum Outbox {
    /// Queues `event` of `incident` for every registered receiver subscribed to it. `sequence` is the
    /// timeline event's id.
    static func enqueue(_ db: Database, event: NotificationEvent, incident: Int64, sequence: Int64, at: Date) throws {
        let key = OutboxNotification.idempotencyKey(incidentID: incident, event: event, sequence: sequence)
        try db.execute(
            sql: """
                INSERT OR IGNORE INTO outbox (incident_id, cluster, event, sequence, receiver, idempotency_key, created_at,
                    status, attempts, next_attempt_at)
                SELECT incident.id, incident.cluster, ?, ?, notify_receiver.name, ?, ?, 'pending', 0, ?
                FROM notify_receiver JOIN incident ON incident.id = ?
                WHERE (',' || notify_receiver.events || ',') LIKE ?
                """,
            arguments: [event.rawValue, sequence, key, at, at, incident, "%,\(event.rawValue),%"])
    }

    static func row(_ row: Row) throws -> OutboxNotification {
        let eventText: String = row["event"]
        let statusText: String = row["status"]
        guard let event = NotificationEvent(rawValue: eventText) else {
            throw StoredRows.CorruptRow(table: "outbox", column: "event", value: eventText)
        }
        guard let status = OutboxNotification.Status(rawValue: statusText) else {
            throw StoredRows.CorruptRow(table: "outbox", column: "status", value: statusText)
        }
        return OutboxNotification(
            id: row["id"], incidentID: row["incident_id"], cluster: row["cluster"], event: event, sequence: row["sequence"],
            receiver: row["receiver"], idempotencyKey: row["idempotency_key"], createdAt: row["created_at"], status: status,
            attempts: row["attempts"], lastError: row["last_error"], nextAttemptAt: row["next_attempt_at"],
            sentAt: row["sent_at"])
    }
}
