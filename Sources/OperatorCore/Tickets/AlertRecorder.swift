import Foundation
import GRDB

/// Applies one delivery of alerts inside one write transaction (`SQLiteTicketStore.recordAlerts`).
///
/// Each fingerprint is remembered in `alert` with the ticket it belongs to: a firing alert opens (or bumps,
/// or reopens) its `alert:<alertname>` ticket; a resolved one resolves the ticket once none of the ticket's
/// fingerprints fires. A ticket that needs an incident joins the one of the ticket the subject's causal links
/// name as its cause when that incident is open; otherwise its last incident if it resolved within the reopen
/// window; otherwise it opens its own.
struct AlertRecorder {
    let db: Database
    let batch: AlertBatch
    let policy: TicketPolicy
    private var outcome: AlertIntakeOutcome
    private var touched: Set<Int64> = []

    init(db: Database, batch: AlertBatch, policy: TicketPolicy) {
        self.db = db
        self.batch = batch
        self.policy = policy
        outcome = AlertIntakeOutcome(cluster: batch.cluster, received: batch.items.count)
    }

    mutating func run() throws -> AlertIntakeOutcome {
        let now = batch.at
        var needIncident: [(ticket: Int64, violation: Violation)] = []
        for item in batch.items {
            let alert = item.alert
            let known = try Int64.fetchOne(
                db, sql: "SELECT ticket_id FROM alert WHERE cluster = ? AND fingerprint = ?", arguments: [batch.cluster, alert.fingerprint])
            switch alert.status {
            case .firing:
                let ticket: Int64
                if let known {
                    ticket = known
                } else if let id = try Int64.fetchOne(
                    db, sql: "SELECT id FROM ticket WHERE cluster = ? AND subject = ? AND invariant = ? AND entity = ?",
                    arguments: [batch.cluster, batch.subject, item.violation.invariant, item.violation.entity.description])
                {
                    ticket = id
                } else {
                    ticket = try insertTicket(item.violation, now: now)
                    needIncident.append((ticket, item.violation))
                }
                try upsertAlert(alert, ticket: ticket, now: now)
                if outcome.opened.contains(ticket) { continue }
                if try bump(ticket: ticket, violation: item.violation, now: now) { needIncident.append((ticket, item.violation)) }
            case .resolved:
                guard let ticket = known else {
                    outcome.ignored.append("\(alert.alertname) (\(alert.fingerprint)): resolved, never seen firing")
                    continue
                }
                try upsertAlert(alert, ticket: ticket, now: now)
                try resolveIfQuiet(ticket: ticket, alert: alert, now: now)
            }
        }
        for (ticket, violation) in needIncident { try assignIncident(ticket: ticket, violation: violation, now: now) }
        for id in touched.sorted() { try IncidentStatusRefresher.refresh(id, in: db, now: now) }
        outcome.incidents = touched.sorted()
        return outcome
    }

    // MARK: - Tickets

    private mutating func insertTicket(_ violation: Violation, now: Date) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO ticket (cluster, subject, invariant, entity, severity, status, message, first_seen,
                    last_seen, occurrences, snapshot_excerpt) VALUES (?, ?, ?, ?, ?, 'created', ?, ?, ?, 1, ?)
                """,
            arguments: [
                batch.cluster, batch.subject, violation.invariant, violation.entity.description, violation.severity.rawValue,
                violation.message, now, now, try StoredRows.json(violation.excerpt),
            ])
        let id = db.lastInsertedRowID
        try StoredRows.insertEvent(db, at: now, kind: .opened, ticket: id, incident: nil, detail: violation.message)
        outcome.opened.append(id)
        return id
    }

    /// A firing alert on a known ticket: bumps an open one, reopens a resolved one. Returns whether the
    /// ticket needs an incident.
    private mutating func bump(ticket: Int64, violation: Violation, now: Date) throws -> Bool {
        guard let row = try Row.fetchOne(db, sql: "SELECT status, incident_id FROM ticket WHERE id = ?", arguments: [ticket]) else {
            return false
        }
        let excerpt = try StoredRows.json(violation.excerpt)
        if (row["status"] as String) != TicketStatus.resolved.rawValue {
            try db.execute(
                sql: """
                    UPDATE ticket SET last_seen = ?, occurrences = occurrences + 1, severity = ?, message = ?,
                        snapshot_excerpt = ? WHERE id = ?
                    """,
                arguments: [now, violation.severity.rawValue, violation.message, excerpt, ticket])
            if !outcome.updated.contains(ticket) { outcome.updated.append(ticket) }
            let incident: Int64? = row["incident_id"]
            if let incident {
                touched.insert(incident)
                return false
            }
            return true
        }
        try db.execute(
            sql: """
                UPDATE ticket SET status = 'created', last_seen = ?, occurrences = occurrences + 1, missed_ticks = 0,
                    resolved_at = NULL, severity = ?, message = ?, snapshot_excerpt = ?, reopen_count = reopen_count + 1
                WHERE id = ?
                """,
            arguments: [now, violation.severity.rawValue, violation.message, excerpt, ticket])
        try StoredRows.insertEvent(db, at: now, kind: .reopened, ticket: ticket, incident: nil, detail: "firing again: \(violation.message)")
        outcome.reopened.append(ticket)
        return true
    }

    /// Resolves the ticket once none of its fingerprints is firing.
    private mutating func resolveIfQuiet(ticket: Int64, alert: ReceivedAlert, now: Date) throws {
        let firing = try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM alert WHERE ticket_id = ? AND status = 'firing'", arguments: [ticket]) ?? 0
        guard firing == 0,
            let row = try Row.fetchOne(db, sql: "SELECT status, incident_id FROM ticket WHERE id = ?", arguments: [ticket]),
            (row["status"] as String) != TicketStatus.resolved.rawValue
        else { return }
        let incident: Int64? = row["incident_id"]
        try db.execute(sql: "UPDATE ticket SET status = 'resolved', resolved_at = ? WHERE id = ?", arguments: [now, ticket])
        let ended = alert.endsAt.map { " (ended \(Timestamp.format($0)))" } ?? ""
        try StoredRows.insertEvent(
            db, at: now, kind: .resolved, ticket: ticket, incident: incident, detail: "alert \(alert.alertname) resolved\(ended)")
        outcome.resolved.append(ticket)
        if let incident { touched.insert(incident) }
    }

    private func upsertAlert(_ alert: ReceivedAlert, ticket: Int64, now: Date) throws {
        try db.execute(
            sql: """
                INSERT INTO alert (cluster, fingerprint, ticket_id, alertname, status, labels, annotations, generator_url,
                    starts_at, ends_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (cluster, fingerprint) DO UPDATE SET status = excluded.status, labels = excluded.labels,
                    annotations = excluded.annotations, generator_url = excluded.generator_url,
                    starts_at = excluded.starts_at, ends_at = excluded.ends_at, received_at = excluded.received_at
                """,
            arguments: [
                batch.cluster, alert.fingerprint, ticket, alert.alertname, alert.status.rawValue, try StoredRows.json(alert.labels),
                try StoredRows.json(alert.annotations), alert.generatorURL, alert.startsAt, alert.endsAt, now,
            ])
    }

    // MARK: - Incidents

    private mutating func assignIncident(ticket: Int64, violation: Violation, now: Date) throws {
        for link in batch.causalLinks where link.effect == violation.key {
            guard
                let incident = try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT t.incident_id FROM ticket t JOIN incident i ON i.id = t.incident_id
                        WHERE t.cluster = ? AND t.subject = ? AND t.invariant = ? AND t.entity = ? AND i.status != 'resolved'
                        """,
                    arguments: [batch.cluster, batch.subject, link.cause.invariant, link.cause.entity.description])
            else { continue }
            try join(ticket: ticket, incident: incident, now: now, detail: "\(violation.key) joined: \(link.reason)")
            return
        }
        if let previous = try Int64.fetchOne(db, sql: "SELECT incident_id FROM ticket WHERE id = ?", arguments: [ticket]),
            try reopenIfRecent(previous, now: now)
        {
            try join(ticket: ticket, incident: previous, now: now, detail: "\(violation.key) fired again; incident reopened")
            return
        }
        try db.execute(
            sql: """
                INSERT INTO incident (cluster, subject, root_entity, root_invariant, status, severity, title, opened_at,
                    updated_at) VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?)
                """,
            arguments: [
                batch.cluster, batch.subject, violation.entity.description, violation.invariant, violation.severity.rawValue,
                violation.message, now, now,
            ])
        let id = db.lastInsertedRowID
        try StoredRows.insertEvent(db, at: now, kind: .opened, ticket: nil, incident: id, detail: "\(violation.key): \(violation.message)")
        try db.execute(sql: "UPDATE ticket SET incident_id = ? WHERE id = ?", arguments: [id, ticket])
        touched.insert(id)
    }

    private mutating func join(ticket: Int64, incident: Int64, now: Date, detail: String) throws {
        try db.execute(sql: "UPDATE ticket SET incident_id = ? WHERE id = ?", arguments: [incident, ticket])
        try StoredRows.insertEvent(db, at: now, kind: .joined, ticket: ticket, incident: incident, detail: detail)
        touched.insert(incident)
    }

    /// An open incident simply takes the ticket back; a resolved, unmerged one reopens within the window.
    private func reopenIfRecent(_ id: Int64, now: Date) throws -> Bool {
        guard let row = try Row.fetchOne(db, sql: "SELECT status, resolved_at, merged_into FROM incident WHERE id = ?", arguments: [id])
        else { return false }
        if (row["status"] as String) != IncidentStatus.resolved.rawValue { return true }
        let resolvedAt: Date? = row["resolved_at"]
        let mergedInto: Int64? = row["merged_into"]
        guard mergedInto == nil, let resolvedAt, now.timeIntervalSince(resolvedAt) <= policy.incidentReopenWindow.seconds else {
            return false
        }
        try db.execute(
            sql: """
                UPDATE incident SET status = 'open', resolved_at = NULL, updated_at = ?, reopen_count = reopen_count + 1,
                    next_attempt_at = NULL WHERE id = ?
                """,
            arguments: [now, id])
        try StoredRows.insertEvent(db, at: now, kind: .reopened, ticket: nil, incident: id, detail: "an alert fired again")
        return true
    }
}
