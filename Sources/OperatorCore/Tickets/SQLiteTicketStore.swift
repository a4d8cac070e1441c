import Foundation
import GRDB
import Synchronization

/// The ticket store on a SQLite file (WAL mode, migrations, busy timeout).
///
/// Safe for several processes at once: every change is one IMMEDIATE transaction and the ticket table's
/// unique key (cluster, subject, invariant, entity) makes a duplicate impossible, not just unlikely.
public final class SQLiteTicketStore: TicketStore {
    public let path: String
    public var displayLocation: String { path }
    /// The newest migration this binary applies (what `operator db migrate` reports).
    public static var schemaVersion: String { TicketSchema.latest }
    let pool: DatabasePool
    /// Heartbeat rows kept per cluster and subject; a 5 s loop writes 17,280 a day, so older rows are pruned.
    private let heartbeatRetention: Int
    /// One read-only connection of its own for `dataVersion()`, opened on first use: SQLite's
    /// `PRAGMA data_version` is per connection, so it is only comparable when always asked of the same one.
    let versionConnection = Mutex<DatabaseQueue?>(nil)

    public struct OpenError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var advice =
            "check that the directory exists and is writable and the file is an operator database, or choose another file with --db or OPERATOR_DB"
        public var description: String {
            "cannot open ticket database \(path): \(reason); \(advice)"
        }
    }

    public init(path: String, heartbeatRetention: Int = 10_000) throws {
        self.path = path
        self.heartbeatRetention = max(1, heartbeatRetention)
        var config = Configuration()
        config.label = "operator.tickets"
        // Another process may hold the write lock for a tick; wait rather than fail.
        config.busyMode = .timeout(10)
        // Keep the WAL small: it only gives space back when a checkpoint lets it rewind, and on a small
        // disk a WAL grown to SQLite's default 1000 pages (~4 MB) holds space the database itself needs.
        // Each tick checkpoints (passively) after writing, and a rewound WAL is cut back to nothing.
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_size_limit = 0") }
        do {
            // A newer operator's database is refused before anything is written to it (opening a pool
            // writes: it sets WAL mode and primes the WAL), so the check reads through a read-only connection.
            if FileManager.default.fileExists(atPath: path) {
                var readOnly = Configuration()
                readOnly.readonly = true
                readOnly.label = "operator.tickets.schema-check"
                readOnly.busyMode = .timeout(10)
                let unknown = try DatabaseQueue(path: path, configuration: readOnly).read { db in
                    try TicketSchema.unknownMigrations(db)
                }
                if !unknown.isEmpty {
                    var error = OpenError(
                        path: path,
                        reason: "its schema is newer than this operator's: it has migrations \(unknown.joined(separator: ", ")), this operator knows up to \(TicketSchema.latest)")
                    error.advice = "use the newer operator that wrote it, or choose another file with --db or OPERATOR_DB"
                    throw error
                }
            }
            pool = try Self.openPool(path: path, configuration: config)
            try TicketSchema.migrate(pool)
            _ = try? pool.writeWithoutTransaction { db in try db.checkpoint(.passive) }
        } catch let error as OpenError {
            throw error
        } catch let error as DatabaseError {
            throw OpenError(path: path, reason: error.message ?? error.description)
        } catch {
            throw OpenError(path: path, reason: String(describing: error))
        }
    }

    /// Opens the pool, waiting out another process that is creating the same file: switching a new file to
    /// WAL needs a moment alone with it, and SQLite answers "database is locked" at once, without its busy
    /// handler, when another connection is doing the same. Bounded (about 5 s), then the error stands.
    private static func openPool(path: String, configuration: Configuration) throws -> DatabasePool {
        var attempt = 0
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                attempt += 1
                guard attempt < 50 else { throw error }
                usleep(100_000)
            }
        }
    }

    /// SQLite's `PRAGMA integrity_check`: `["ok"]` for a sound file, else one line per problem found.
    public func integrityCheck() async throws -> [String] {
        try await pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    }

    // MARK: - Ticks

    public func record(_ findings: TickFindings, policy: TicketPolicy) async throws -> TickOutcome {
        try await pool.write { db in
            var recorder = TickRecorder(db: db, findings: findings, policy: policy)
            return try recorder.run()
        }
    }

    public func recordHeartbeat(_ heartbeat: Heartbeat) async throws {
        let retention = heartbeatRetention
        try await pool.write { db in try Self.insert(heartbeat, retention: retention, in: db) }
    }

    public func recordTick(_ findings: TickFindings, heartbeat: Heartbeat, policy: TicketPolicy) async throws
        -> TickOutcome
    {
        do {
            let outcome = try await writeTick(findings, heartbeat: heartbeat, policy: policy)
            // Never waits for readers; moves what it can into the database so the next write rewinds the WAL.
            _ = try? await pool.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            return outcome
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
            // The WAL gives space back only at a checkpoint (every 1000 pages by default, ~4 MB): on a small
            // filesystem it keeps the room the next tick needs even after space was freed, and the store
            // would never recover. Fold it into the database, truncate it, and try once more.
            guard (try? await pool.barrierWriteWithoutTransaction({ db in try db.checkpoint(.truncate) })) != nil
            else { throw error }
            return try await writeTick(findings, heartbeat: heartbeat, policy: policy)
        }
    }

    private func writeTick(_ findings: TickFindings, heartbeat: Heartbeat, policy: TicketPolicy) async throws
        -> TickOutcome
    {
        let retention = heartbeatRetention
        // One transaction: a full disk or a crash leaves either the whole tick or none of it.
        return try await pool.write { db in
            var recorder = TickRecorder(db: db, findings: findings, policy: policy)
            var outcome = try recorder.run()
            let open =
                try Int.fetchOne(
                    db,
                    sql: "SELECT COUNT(*) FROM ticket WHERE cluster = ? AND subject = ? AND status IN ('created', 'diagnosed')",
                    arguments: [findings.cluster, findings.subject]) ?? 0
            outcome.openTickets = open
            var beat = heartbeat
            beat.openTickets = open
            try Self.insert(beat, retention: retention, in: db)
            return outcome
        }
    }

    private static func insert(_ heartbeat: Heartbeat, retention: Int, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO heartbeat (cluster, subject, tick, started_at, duration_ms, violations, open_tickets, error)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                heartbeat.cluster, heartbeat.subject, heartbeat.tick, heartbeat.startedAt, heartbeat.durationMs, heartbeat.violations,
                heartbeat.openTickets, heartbeat.error,
            ])
        try db.execute(
            sql: """
                DELETE FROM heartbeat WHERE cluster = ? AND subject = ? AND id <= (
                    SELECT id FROM heartbeat WHERE cluster = ? AND subject = ? ORDER BY id DESC LIMIT 1 OFFSET ?)
                """,
            arguments: [heartbeat.cluster, heartbeat.subject, heartbeat.cluster, heartbeat.subject, retention])
    }

    public func heartbeats(cluster: String?, subject: String?, limit: Int) async throws -> [Heartbeat] {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM heartbeat WHERE (? IS NULL OR cluster = ?) AND (? IS NULL OR subject = ?)
                    ORDER BY id DESC LIMIT ?
                    """,
                arguments: [cluster, cluster, subject, subject, limit])
            return rows.map { r in
                Heartbeat(
                    subject: r["subject"], tick: r["tick"], startedAt: r["started_at"], durationMs: r["duration_ms"],
                    violations: r["violations"], openTickets: r["open_tickets"], error: r["error"], cluster: r["cluster"])
            }
        }
    }

    // MARK: - Tickets

    public func tickets(_ filter: TicketFilter) async throws -> [Ticket] {
        try await pool.read { db in
            var clauses: [String] = []
            var arguments: StatementArguments = []
            if let statuses = filter.statuses {
                clauses.append("ticket.status IN (\(statuses.map { _ in "?" }.joined(separator: ",")))")
                for s in statuses.sorted(by: { $0.rawValue < $1.rawValue }) { arguments += [s.rawValue] }
            }
            if let subject = filter.subject {
                clauses.append("ticket.subject = ?")
                arguments += [subject]
            }
            if let incident = filter.incidentID {
                clauses.append("ticket.incident_id = ?")
                arguments += [incident]
            }
            if let cluster = filter.cluster {
                clauses.append("ticket.cluster = ?")
                arguments += [cluster]
            }
            if let before = filter.beforeID {
                clauses.append("ticket.id < ?")
                arguments += [before]
            }
            var sql = StoredRows.ticketSelect
            if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
            sql += filter.newestFirst || filter.beforeID != nil ? " ORDER BY ticket.id DESC" : " ORDER BY ticket.id"
            if let limit = filter.limit {
                sql += " LIMIT ?"
                arguments += [limit]
            }
            // Read from the cursor's row (columns found by name in a dictionary; see `incidents`).
            return try Array(Row.fetchCursor(db, sql: sql, arguments: arguments).map { row in try StoredRows.ticket(row) })
        }
    }

    public func ticket(id: Int64) async throws -> Ticket? {
        try await pool.read { db in try StoredRows.ticket(id: id, in: db) }
    }

    public func resolveTicket(id: Int64, at: Date, note: String) async throws -> Ticket {
        let path = path
        return try await pool.write { db in
            guard let ticket = try StoredRows.ticket(id: id, in: db) else {
                throw NotFoundError(what: "ticket", id: id, path: path)
            }
            guard ticket.status != .resolved else { return ticket }
            try db.execute(
                sql: "UPDATE ticket SET status = 'resolved', resolved_at = ?, missed_ticks = 0 WHERE id = ?",
                arguments: [at, id])
            try StoredRows.insertEvent(
                db, at: at, kind: .manuallyResolved, ticket: id, incident: ticket.incidentID, detail: note)
            if let incident = ticket.incidentID { try IncidentStatusRefresher.refresh(incident, in: db, now: at) }
            return try StoredRows.ticket(id: id, in: db) ?? ticket
        }
    }

    // MARK: - Incidents

    public func incidents(_ filter: IncidentFilter) async throws -> [Incident] {
        try await pool.read { db in
            var sql = "SELECT * FROM incident"
            var arguments = StatementArguments()
            let condition = Self.incidentCondition(filter, arguments: &arguments)
            if !condition.isEmpty { sql += " WHERE " + condition }
            sql += filter.newestFirst || filter.beforeID != nil ? " ORDER BY id DESC" : " ORDER BY id"
            if let limit = filter.limit {
                sql += " LIMIT ?"
                arguments += [limit]
            }
            // Two queries for a page, not two per incident: the API lists pages of 50 under load. Rows are
            // read while the cursor holds them: a cursor's row finds a column by name in a dictionary, a
            // copied row (fetchAll) by lowercasing every column name on every access.
            var incidents = try Array(Row.fetchCursor(db, sql: sql, arguments: arguments).map { row in try StoredRows.incident(row, ticketIDs: []) })
            let members = try StoredRows.ticketIDs(ofIncidents: incidents.map(\.id), in: db)
            for index in incidents.indices { incidents[index].ticketIDs = members[incidents[index].id] ?? [] }
            return incidents
        }
    }

    /// One `COUNT(*)` over the `(cluster, status)` index: no row is read into memory or decoded.
    public func incidentCount(_ filter: IncidentFilter) async throws -> Int {
        try await pool.read { db in
            var sql = "SELECT COUNT(*) FROM incident"
            var arguments = StatementArguments()
            let condition = Self.incidentCondition(filter, arguments: &arguments)
            if !condition.isEmpty { sql += " WHERE " + condition }
            return try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0
        }
    }

    /// The WHERE clause (without the keyword) of an incident filter, its limit and order aside.
    private static func incidentCondition(_ filter: IncidentFilter, arguments: inout StatementArguments) -> String {
        var clauses: [String] = []
        if let statuses = filter.statuses {
            clauses.append("status IN (\(statuses.map { _ in "?" }.joined(separator: ",")))")
            for s in statuses.sorted(by: { $0.rawValue < $1.rawValue }) { arguments += [s.rawValue] }
        }
        if let subject = filter.subject {
            clauses.append("subject = ?")
            arguments += [subject]
        }
        if let cluster = filter.cluster {
            clauses.append("cluster = ?")
            arguments += [cluster]
        }
        if let before = filter.beforeID {
            clauses.append("id < ?")
            arguments += [before]
        }
        if !filter.includeMerged { clauses.append("merged_into IS NULL") }
        return clauses.joined(separator: " AND ")
    }

    public func incident(id: Int64) async throws -> Incident? {
        try await pool.read { db in try StoredRows.incident(id: id, in: db) }
    }

    public func timeline(incidentID: Int64) async throws -> [TimelineEvent] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM event WHERE incident_id = ?
                        OR ticket_id IN (SELECT id FROM ticket WHERE incident_id = ?)
                    ORDER BY at, id
                    """,
                arguments: [incidentID, incidentID]
            ).map(StoredRows.event)
        }
    }

    public func timeline(ticketID: Int64) async throws -> [TimelineEvent] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM event WHERE ticket_id = ? ORDER BY at, id", arguments: [ticketID])
                .map(StoredRows.event)
        }
    }

    // MARK: - Diagnosis

    public func claimIncidentsForDiagnosis(ids: [Int64]?, cluster: String?, limit: Int, lease: Duration, now: Date)
        async throws -> [Incident]
    {
        let until = now.addingTimeInterval(lease.seconds)
        return try await pool.write { db in
            let chosen: [Int64]
            if let ids {
                chosen = try Int64.fetchAll(
                    db,
                    sql: "SELECT id FROM incident WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ","))) AND merged_into IS NULL ORDER BY id",
                    arguments: StatementArguments(ids))
            } else {
                chosen = try Int64.fetchAll(
                    db,
                    sql: """
                        SELECT id FROM incident WHERE status = 'open' AND merged_into IS NULL
                            AND (? IS NULL OR cluster = ?)
                            AND (claimed_until IS NULL OR claimed_until < ?)
                            AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
                        ORDER BY id LIMIT ?
                        """,
                    arguments: [cluster, cluster, now, now, limit])
            }
            for id in chosen {
                try db.execute(sql: "UPDATE incident SET claimed_until = ? WHERE id = ?", arguments: [until, id])
            }
            return try chosen.compactMap { try StoredRows.incident(id: $0, in: db) }
        }
    }

    public func recordDiagnosis(
        _ diagnosis: Diagnosis, context: DiagnosisContext, incidentID: Int64, at: Date, reason: String?
    ) async throws {
        let path = path
        let body = try StoredRows.json(diagnosis)
        let contextText = try StoredRows.json(context)
        try await pool.write { db in
            guard
                let cluster = try String.fetchOne(
                    db, sql: "SELECT cluster FROM incident WHERE id = ?", arguments: [incidentID])
            else { throw NotFoundError(what: "incident", id: incidentID, path: path) }
            try db.execute(
                sql: """
                    INSERT INTO diagnosis (incident_id, cluster, at, diagnoser, model, body, context)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [incidentID, cluster, at, diagnosis.diagnoser, diagnosis.model, body, contextText])
            try db.execute(
                sql: """
                    UPDATE incident SET diagnosis = ?, diagnosis_error = NULL, diagnosis_attempts = 0, claimed_until = NULL,
                        next_attempt_at = NULL, updated_at = ? WHERE id = ?
                    """,
                arguments: [body, at, incidentID])
            // Only tickets the diagnosis actually saw count as diagnosed; later joiners keep the incident open.
            for id in context.tickets.compactMap(\.id) {
                try db.execute(
                    sql: "UPDATE ticket SET status = 'diagnosed' WHERE id = ? AND incident_id = ? AND status = 'created'",
                    arguments: [id, incidentID])
            }
            let detail = "\(diagnosis.diagnoser): \(diagnosis.rootCause.category) on \(diagnosis.rootCause.entity)"
                + (reason.map { " (re-diagnosed: \($0))" } ?? "")
            try StoredRows.insertEvent(db, at: at, kind: .diagnosed, ticket: nil, incident: incidentID, detail: detail)
            try IncidentStatusRefresher.refresh(incidentID, in: db, now: at)
        }
    }

    public func recordDiagnosisSkipped(_ reason: String, context: DiagnosisContext, incidentID: Int64, at: Date) async throws {
        let path = path
        try await pool.write { db in
            guard try Int64.fetchOne(db, sql: "SELECT id FROM incident WHERE id = ?", arguments: [incidentID]) != nil
            else { throw NotFoundError(what: "incident", id: incidentID, path: path) }
            try db.execute(
                sql: """
                    UPDATE incident SET claimed_until = NULL, next_attempt_at = NULL, diagnosis_error = NULL,
                        diagnosis_attempts = 0, updated_at = ? WHERE id = ?
                    """,
                arguments: [at, incidentID])
            for id in context.tickets.compactMap(\.id) {
                try db.execute(
                    sql: "UPDATE ticket SET status = 'diagnosed' WHERE id = ? AND incident_id = ? AND status = 'created'",
                    arguments: [id, incidentID])
            }
            try StoredRows.insertEvent(db, at: at, kind: .diagnosisSkipped, ticket: nil, incident: incidentID, detail: reason)
            try IncidentStatusRefresher.refresh(incidentID, in: db, now: at)
        }
    }

    public func recordDiagnosisFailure(_ message: String, incidentID: Int64, at: Date, retryAt: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE incident SET diagnosis_error = ?, diagnosis_attempts = diagnosis_attempts + 1,
                        next_attempt_at = ?, claimed_until = NULL, updated_at = ? WHERE id = ?
                    """,
                arguments: [message, retryAt, at, incidentID])
            try StoredRows.insertEvent(db, at: at, kind: .diagnosisFailed, ticket: nil, incident: incidentID, detail: message)
        }
    }

    /// The stored JSON's byte length (`CAST AS BLOB`: SQLite's `length` of text counts characters).
    public func diagnosisContextBytes(incidentID: Int64) async throws -> Int? {
        try await pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT length(CAST(context AS BLOB)) FROM diagnosis WHERE incident_id = ? ORDER BY id DESC LIMIT 1",
                arguments: [incidentID])
        }
    }

    public func diagnosisContext(incidentID: Int64) async throws -> DiagnosisContext? {
        try await pool.read { db in
            guard
                let text = try String.fetchOne(
                    db, sql: "SELECT context FROM diagnosis WHERE incident_id = ? ORDER BY id DESC LIMIT 1",
                    arguments: [incidentID])
            else { return nil }
            return try StoredRows.decode(DiagnosisContext.self, text, table: "diagnosis", column: "context")
        }
    }
}
