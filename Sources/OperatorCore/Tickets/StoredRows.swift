import Foundation
import GRDB

/// Reading model types out of GRDB rows. Column names are the schema's (`TicketSchema`).
enum StoredRows {
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

    static func ticket(_ row: Row) throws -> Ticket {
        let status = try enumValue(TicketStatus.self, row, "status", table: "ticket")
        let diagnosisText: String? = row["incident_diagnosis"]
        let errorText: String? = row["incident_error"]
        return Ticket(
            id: row["id"], subject: row["subject"], invariant: row["invariant"],
            entity: try entity(row, "entity", table: "ticket"),
            severity: try enumValue(Severity.self, row, "severity", table: "ticket"), status: status,
            message: row["message"], firstSeen: row["first_seen"], lastSeen: row["last_seen"],
            occurrences: row["occurrences"], resolvedAt: row["resolved_at"],
            diagnosis: try diagnosisText.map { try decode(Diagnosis.self, $0, table: "incident", column: "diagnosis") },
            snapshotExcerpt: try decode(JSONValue.self, row["snapshot_excerpt"], table: "ticket", column: "snapshot_excerpt"),
            incidentID: row["incident_id"], diagnosisError: status == .created ? errorText : nil,
            reopenCount: row["reopen_count"], flapCount: row["flap_count"], cluster: row["cluster"])
    }

    static func incident(_ row: Row, ticketIDs: [Int64]) throws -> Incident {
        let diagnosisText: String? = row["diagnosis"]
        return Incident(
            id: row["id"], subject: row["subject"], rootEntity: try entity(row, "root_entity", table: "incident"),
            rootInvariant: row["root_invariant"], status: try enumValue(IncidentStatus.self, row, "status", table: "incident"),
            severity: try enumValue(Severity.self, row, "severity", table: "incident"), title: row["title"],
            openedAt: row["opened_at"], updatedAt: row["updated_at"], resolvedAt: row["resolved_at"],
            ticketIDs: ticketIDs,
            diagnosis: try diagnosisText.map { try decode(Diagnosis.self, $0, table: "incident", column: "diagnosis") },
            diagnosisError: row["diagnosis_error"], diagnosisAttempts: row["diagnosis_attempts"], reopenCount: row["reopen_count"], mergedInto: row["merged_into"],
            flappingSince: row["flapping_since"], flapCount: row["flap_count"], cluster: row["cluster"],
            acknowledgedBy: row["acknowledged_by"], acknowledgedAt: row["acknowledged_at"])
    }

    static func incident(id: Int64, in db: Database) throws -> Incident? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM incident WHERE id = ?", arguments: [id]) else {
            return nil
        }
        let ids = try Int64.fetchAll(db, sql: "SELECT id FROM ticket WHERE incident_id = ? ORDER BY id", arguments: [id])
        return try incident(row, ticketIDs: ids)
    }

    /// Member ticket ids of each incident, ascending, in one query (incidents without tickets are absent).
    static func ticketIDs(ofIncidents ids: [Int64], in db: Database) throws -> [Int64: [Int64]] {
        guard !ids.isEmpty else { return [:] }
        var members: [Int64: [Int64]] = [:]
        // SQLite binds at most 32766 parameters; listing pages are far smaller, but a full list is not.
        for chunk in stride(from: 0, to: ids.count, by: 10_000).map({ ids[$0..<min($0 + 10_000, ids.count)] }) {
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT incident_id, id FROM ticket WHERE incident_id IN (\(chunk.map { _ in "?" }.joined(separator: ","))) ORDER BY id",
                arguments: StatementArguments(Array(chunk)))
            for row in rows { members[row["incident_id"] as Int64, default: []].append(row["id"]) }
        }
        return members
    }

    static func ticket(id: Int64, in db: Database) throws -> Ticket? {
        try Row.fetchOne(db, sql: ticketSelect + " WHERE ticket.id = ?", arguments: [id]).map(ticket)
    }

    static func event(_ row: Row) throws -> TimelineEvent {
        TimelineEvent(
            at: row["at"], kind: try enumValue(TimelineEvent.Kind.self, row, "kind", table: "event"),
            ticketID: row["ticket_id"], incidentID: row["incident_id"], detail: row["detail"])
    }

    static func insertEvent(
        _ db: Database, at: Date, kind: TimelineEvent.Kind, ticket: Int64?, incident: Int64?, detail: String
    ) throws {
        try db.execute(
            sql: "INSERT INTO event (at, kind, ticket_id, incident_id, detail) VALUES (?, ?, ?, ?, ?)",
            arguments: [at, kind.rawValue, ticket, incident, detail])
        // An incident-level change people are told about: its outbox rows join this same transaction.
        if ticket == nil, let incident, let event = NotificationEvent(timelineKind: kind) {
            try Outbox.enqueue(db, event: event, incident: incident, sequence: db.lastInsertedRowID, at: at)
        }
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

    private static func entity(_ row: Row, _ column: String, table: String) throws -> Entity {
        let text: String = row[column]
        do { return try Entity(parsing: text) } catch { throw CorruptRow(table: table, column: column, value: text) }
    }

    private static func enumValue<E: RawRepresentable>(_ type: E.Type, _ row: Row, _ column: String, table: String) throws
        -> E where E.RawValue == String
    {
        let text: String = row[column]
        guard let value = E(rawValue: text) else { throw CorruptRow(table: table, column: column, value: text) }
        return value
    }
}
