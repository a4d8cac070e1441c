import Foundation
import OperatorCore
import PostgresNIO

/// Model types read out of rows; column names are the schema's (`PostgresSchema`), the same as SQLite's.
enum PostgresRows {
    struct CorruptRow: Error, CustomStringConvertible {
        let table: String
        let column: String
        let value: String
        var description: String { "ticket database: \(table).\(column) holds unreadable value \"\(value)\"" }
    }

    static let ticketSelect = """
        SELECT ticket.*, incident.diagnosis AS incident_diagnosis, incident.diagnosis_error AS incident_error
        FROM ticket LEFT JOIN incident ON incident.id = ticket.incident_id
        """

    static func ticket(_ row: PostgresRandomAccessRow) throws -> Ticket {
        let status = try enumValue(TicketStatus.self, row, "status", table: "ticket")
        let diagnosisText = try row.get("incident_diagnosis", as: String?.self)
        let errorText = try row.get("incident_error", as: String?.self)
        return Ticket(
            id: try row.get("id"), subject: try row.get("subject"), invariant: try row.get("invariant"),
            entity: try entity(row, "entity", table: "ticket"),
            severity: try enumValue(Severity.self, row, "severity", table: "ticket"), status: status,
            message: try row.get("message"), firstSeen: try row.get("first_seen"), lastSeen: try row.get("last_seen"),
            occurrences: try row.get("occurrences"), resolvedAt: try row.get("resolved_at"),
            diagnosis: try diagnosisText.map { try decode(Diagnosis.self, $0, table: "incident", column: "diagnosis") },
            snapshotExcerpt: try decode(JSONValue.self, try row.get("snapshot_excerpt"), table: "ticket", column: "snapshot_excerpt"),
            incidentID: try row.get("incident_id"), diagnosisError: status == .created ? errorText : nil,
            reopenCount: try row.get("reopen_count"), flapCount: try row.get("flap_count"), cluster: try row.get("cluster"))
    }

    static func incident(_ row: PostgresRandomAccessRow, ticketIDs: [Int64]) throws -> Incident {
        let diagnosisText = try row.get("diagnosis", as: String?.self)
        return Incident(
            id: try row.get("id"), subject: try row.get("subject"), rootEntity: try entity(row, "root_entity", table: "incident"),
            rootInvariant: try row.get("root_invariant"), status: try enumValue(IncidentStatus.self, row, "status", table: "incident"),
            severity: try enumValue(Severity.self, row, "severity", table: "incident"), title: try row.get("title"),
            openedAt: try row.get("opened_at"), updatedAt: try row.get("updated_at"), resolvedAt: try row.get("resolved_at"),
            ticketIDs: ticketIDs,
            diagnosis: try diagnosisText.map { try decode(Diagnosis.self, $0, table: "incident", column: "diagnosis") },
            diagnosisError: try row.get("diagnosis_error"), diagnosisAttempts: try row.get("diagnosis_attempts"),
            reopenCount: try row.get("reopen_count"), mergedInto: try row.get("merged_into"),
            flappingSince: try row.get("flapping_since"), flapCount: try row.get("flap_count"), cluster: try row.get("cluster"),
            acknowledgedBy: try row.get("acknowledged_by"), acknowledgedAt: try row.get("acknowledged_at"))
    }

    static func event(_ row: PostgresRandomAccessRow) throws -> TimelineEvent {
        TimelineEvent(
            at: try row.get("at"), kind: try enumValue(TimelineEvent.Kind.self, row, "kind", table: "event"),
            ticketID: try row.get("ticket_id"), incidentID: try row.get("incident_id"), detail: try row.get("detail"))
    }

    static func heartbeat(_ row: PostgresRandomAccessRow) throws -> Heartbeat {
        Heartbeat(
            subject: try row.get("subject"), tick: try row.get("tick"), startedAt: try row.get("started_at"),
            durationMs: try row.get("duration_ms"), violations: try row.get("violations"), openTickets: try row.get("open_tickets"),
            error: try row.get("error"), cluster: try row.get("cluster"))
    }

    static func notification(_ row: PostgresRandomAccessRow) throws -> OutboxNotification {
        let eventText = try row.get("event", as: String.self)
        let statusText = try row.get("status", as: String.self)
        guard let event = NotificationEvent(rawValue: eventText) else {
            throw CorruptRow(table: "outbox", column: "event", value: eventText)
        }
        guard let status = OutboxNotification.Status(rawValue: statusText) else {
            throw CorruptRow(table: "outbox", column: "status", value: statusText)
        }
        return OutboxNotification(
            id: try row.get("id"), incidentID: try row.get("incident_id"), cluster: try row.get("cluster"), event: event,
            sequence: try row.get("sequence"), receiver: try row.get("receiver"), idempotencyKey: try row.get("idempotency_key"),
            createdAt: try row.get("created_at"), status: status, attempts: try row.get("attempts"),
            lastError: try row.get("last_error"), nextAttemptAt: try row.get("next_attempt_at"), sentAt: try row.get("sent_at"))
    }

    static func lease(_ row: PostgresRandomAccessRow) throws -> Lease {
        Lease(
            name: try row.get("name"), holder: try row.get("holder"), acquiredAt: try row.get("acquired_at"),
            expiresAt: try row.get("expires_at"), generation: try row.get("generation"))
    }

    static func json(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder.operatorEncoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String, table: String, column: String) throws -> T {
        do {
            return try JSONDecoder.operatorDecoder.decode(T.self, from: Data(text.utf8))
        } catch {
            throw CorruptRow(table: table, column: column, value: String(text.prefix(80)))
        }
    }

    static func entity(_ row: PostgresRandomAccessRow, _ column: String, table: String) throws -> Entity {
        let text = try row.get(column, as: String.self)
        do { return try Entity(parsing: text) } catch { throw CorruptRow(table: table, column: column, value: text) }
    }

    static func enumValue<E: RawRepresentable>(_ type: E.Type, _ row: PostgresRandomAccessRow, _ column: String, table: String) throws
        -> E where E.RawValue == String
    {
        let text = try row.get(column, as: String.self)
        guard let value = E(rawValue: text) else { throw CorruptRow(table: table, column: column, value: text) }
        return value
    }
}

/// Reads and writes shared by the store's transactions (the SQLite store's `StoredRows` helpers).
extension PostgresSession {
    func ticket(id: Int64) async throws -> Ticket? {
        try await row(PostgresQuery(unsafeSQL: PostgresRows.ticketSelect + " WHERE ticket.id = $1", binds: binds(id))).map(PostgresRows.ticket)
    }

    func incident(id: Int64) async throws -> Incident? {
        guard let row = try await row("SELECT * FROM incident WHERE id = \(id)") else { return nil }
        let ids = try await values("SELECT id FROM ticket WHERE incident_id = \(id) ORDER BY id", as: Int64.self)
        return try PostgresRows.incident(row, ticketIDs: ids)
    }

    /// Member ticket ids of each incident, ascending, in one query.
    func ticketIDs(ofIncidents ids: [Int64]) async throws -> [Int64: [Int64]] {
        guard !ids.isEmpty else { return [:] }
        var members: [Int64: [Int64]] = [:]
        for row in try await rows("SELECT incident_id, id FROM ticket WHERE incident_id = ANY(\(ids)) ORDER BY id") {
            members[try row.get("incident_id", as: Int64.self), default: []].append(try row.get("id"))
        }
        return members
    }

    /// A timeline line; an incident-level change people are told about queues its outbox rows in this
    /// same transaction. Returns the event's id.
    @discardableResult
    func insertEvent(at: Date, kind: TimelineEvent.Kind, ticket: Int64?, incident: Int64?, detail: String) async throws -> Int64 {
        let id = try await insert(
            """
            INSERT INTO event (at, kind, ticket_id, incident_id, detail) VALUES (\(at), \(kind.rawValue), \(ticket), \(incident), \(detail))
            RETURNING id
            """)
        if ticket == nil, let incident, let event = NotificationEvent(timelineKind: kind) {
            try await enqueueNotification(event, incident: incident, sequence: id, at: at)
        }
        return id
    }

    /// Queues `event` of `incident` for every registered receiver subscribed to it (`sequence`: the timeline
    /// event's id). A row already queued under the same idempotency key is left alone.
    func enqueueNotification(_ event: NotificationEvent, incident: Int64, sequence: Int64, at: Date) async throws {
        let key = OutboxNotification.idempotencyKey(incidentID: incident, event: event, sequence: sequence)
        try await execute(
            """
            INSERT INTO outbox (incident_id, cluster, event, sequence, receiver, idempotency_key, created_at, status, attempts,
                next_attempt_at)
            SELECT incident.id, incident.cluster, \(event.rawValue), \(sequence), notify_receiver.name, \(key), \(at), 'pending', 0, \(at)
            FROM notify_receiver JOIN incident ON incident.id = \(incident)
            WHERE (',' || notify_receiver.events || ',') LIKE \("%,\(event.rawValue),%")
            ON CONFLICT (receiver, idempotency_key) DO NOTHING
            """)
    }
}

func binds(_ values: Int64...) -> PostgresBindings {
    var bindings = PostgresBindings()
    for value in values { bindings.append(value) }
    return bindings
}
