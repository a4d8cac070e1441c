import Foundation
import OperatorCore
import PostgresNIO

/// Applies one delivery of alerts inside one transaction holding the cluster's lock: the PostgreSQL port of
/// OperatorCore's `AlertRecorder`. Each fingerprint is remembered in `alert` with the ticket it belongs to.
struct PostgresAlertRecorder {
    let session: PostgresSession
    let batch: AlertBatch
    let policy: TicketPolicy
    private var outcome: AlertIntakeOutcome
    private var touched: Set<Int64> = []

    init(session: PostgresSession, batch: AlertBatch, policy: TicketPolicy) {
        self.session = session
        self.batch = batch
        self.policy = policy
        outcome = AlertIntakeOutcome(cluster: batch.cluster, received: batch.items.count)
    }

    mutating func run() async throws -> AlertIntakeOutcome {
        let now = batch.at
        var needIncident: [(ticket: Int64, violation: Violation)] = []
        for item in batch.items {
            let alert = item.alert
            let known = try await session.value(
                "SELECT ticket_id FROM alert WHERE cluster = \(batch.cluster) AND fingerprint = \(alert.fingerprint)", as: Int64.self)
            switch alert.status {
            case .firing:
                let ticket: Int64
                if let known {
                    ticket = known
                } else if let id = try await session.value(
                    """
                    SELECT id FROM ticket WHERE cluster = \(batch.cluster) AND subject = \(batch.subject)
                        AND invariant = \(item.violation.invariant) AND entity = \(item.violation.entity.description)
                    """, as: Int64.self)
                {
                    ticket = id
                } else {
                    ticket = try await insertTicket(item.violation, now: now)
                    needIncident.append((ticket, item.violation))
                }
                try await upsertAlert(alert, ticket: ticket, now: now)
                if outcome.opened.contains(ticket) { continue }
                if try await bump(ticket: ticket, violation: item.violation, now: now) { needIncident.append((ticket, item.violation)) }
            case .resolved:
                guard let ticket = known else {
                    outcome.ignored.append("\(alert.alertname) (\(alert.fingerprint)): resolved, never seen firing")
                    continue
                }
                try await upsertAlert(alert, ticket: ticket, now: now)
                try await resolveIfQuiet(ticket: ticket, alert: alert, now: now)
            }
        }
        for (ticket, violation) in needIncident { try await assignIncident(ticket: ticket, violation: violation, now: now) }
        for id in touched.sorted() { try await PostgresIncidentStatus.refresh(id, session: session, now: now) }
        outcome.incidents = touched.sorted()
        return outcome
    }

    private mutating func insertTicket(_ violation: Violation, now: Date) async throws -> Int64 {
        let id = try await session.insert(
            """
            INSERT INTO ticket (cluster, subject, invariant, entity, severity, status, message, first_seen, last_seen, occurrences,
                snapshot_excerpt)
            VALUES (\(batch.cluster), \(batch.subject), \(violation.invariant), \(violation.entity.description),
                \(violation.severity.rawValue), 'created', \(violation.message), \(now), \(now), 1, \(try PostgresRows.json(violation.excerpt)))
            RETURNING id
            """)
        try await session.insertEvent(at: now, kind: .opened, ticket: id, incident: nil, detail: violation.message)
        outcome.opened.append(id)
        return id
    }

    private mutating func bump(ticket: Int64, violation: Violation, now: Date) async throws -> Bool {
        guard let row = try await session.row("SELECT status, incident_id FROM ticket WHERE id = \(ticket)") else { return false }
        let excerpt = try PostgresRows.json(violation.excerpt)
        if try row.get("status", as: String.self) != TicketStatus.resolved.rawValue {
            try await session.execute(
                """
                UPDATE ticket SET last_seen = \(now), occurrences = occurrences + 1, severity = \(violation.severity.rawValue),
                    message = \(violation.message), snapshot_excerpt = \(excerpt) WHERE id = \(ticket)
                """)
            if !outcome.updated.contains(ticket) { outcome.updated.append(ticket) }
            if let incident = try row.get("incident_id", as: Int64?.self) {
                touched.insert(incident)
                return false
            }
            return true
        }
        try await session.execute(
            """
            UPDATE ticket SET status = 'created', last_seen = \(now), occurrences = occurrences + 1, missed_ticks = 0,
                resolved_at = NULL, severity = \(violation.severity.rawValue), message = \(violation.message),
                snapshot_excerpt = \(excerpt), reopen_count = reopen_count + 1
            WHERE id = \(ticket)
            """)
        try await session.insertEvent(at: now, kind: .reopened, ticket: ticket, incident: nil, detail: "firing again: \(violation.message)")
        outcome.reopened.append(ticket)
        return true
    }

    private mutating func resolveIfQuiet(ticket: Int64, alert: ReceivedAlert, now: Date) async throws {
        let firing = try await session.value(
            "SELECT COUNT(*) FROM alert WHERE ticket_id = \(ticket) AND status = 'firing'", as: Int.self) ?? 0
        guard firing == 0, let row = try await session.row("SELECT status, incident_id FROM ticket WHERE id = \(ticket)"),
            try row.get("status", as: String.self) != TicketStatus.resolved.rawValue
        else { return }
        let incident = try row.get("incident_id", as: Int64?.self)
        try await session.execute("UPDATE ticket SET status = 'resolved', resolved_at = \(now) WHERE id = \(ticket)")
        let ended = alert.endsAt.map { " (ended \(Timestamp.format($0)))" } ?? ""
        try await session.insertEvent(
            at: now, kind: .resolved, ticket: ticket, incident: incident, detail: "alert \(alert.alertname) resolved\(ended)")
        outcome.resolved.append(ticket)
        if let incident { touched.insert(incident) }
    }

    private func upsertAlert(_ alert: ReceivedAlert, ticket: Int64, now: Date) async throws {
        try await session.execute(
            """
            INSERT INTO alert (cluster, fingerprint, ticket_id, alertname, status, labels, annotations, generator_url,
                starts_at, ends_at, received_at)
            VALUES (\(batch.cluster), \(alert.fingerprint), \(ticket), \(alert.alertname), \(alert.status.rawValue),
                \(try PostgresRows.json(alert.labels)), \(try PostgresRows.json(alert.annotations)), \(alert.generatorURL),
                \(alert.startsAt), \(alert.endsAt), \(now))
            ON CONFLICT (cluster, fingerprint) DO UPDATE SET status = EXCLUDED.status, labels = EXCLUDED.labels,
                annotations = EXCLUDED.annotations, generator_url = EXCLUDED.generator_url,
                starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at, received_at = EXCLUDED.received_at
            """)
    }

    private mutating func assignIncident(ticket: Int64, violation: Violation, now: Date) async throws {
        for link in batch.causalLinks where link.effect == violation.key {
            guard
                let incident = try await session.value(
                    """
                    SELECT t.incident_id FROM ticket t JOIN incident i ON i.id = t.incident_id
                    WHERE t.cluster = \(batch.cluster) AND t.subject = \(batch.subject) AND t.invariant = \(link.cause.invariant)
                        AND t.entity = \(link.cause.entity.description) AND i.status != 'resolved'
                    """, as: Int64.self)
            else { continue }
            try await join(ticket: ticket, incident: incident, now: now, detail: "\(violation.key) joined: \(link.reason)")
            return
        }
        if let previous = try await session.value("SELECT incident_id FROM ticket WHERE id = \(ticket)", as: Int64.self),
            try await PostgresIncidentStatus.reopenIfRecent(
                previous, session: session, now: now, window: policy.incidentReopenWindow, detail: "an alert fired again") != nil
        {
            try await join(ticket: ticket, incident: previous, now: now, detail: "\(violation.key) fired again; incident reopened")
            return
        }
        let id = try await session.insert(
            """
            INSERT INTO incident (cluster, subject, root_entity, root_invariant, status, severity, title, opened_at, updated_at)
            VALUES (\(batch.cluster), \(batch.subject), \(violation.entity.description), \(violation.invariant), 'open',
                \(violation.severity.rawValue), \(violation.message), \(now), \(now))
            RETURNING id
            """)
        try await session.insertEvent(at: now, kind: .opened, ticket: nil, incident: id, detail: "\(violation.key): \(violation.message)")
        try await session.execute("UPDATE ticket SET incident_id = \(id) WHERE id = \(ticket)")
        touched.insert(id)
    }

    private mutating func join(ticket: Int64, incident: Int64, now: Date, detail: String) async throws {
        try await session.execute("UPDATE ticket SET incident_id = \(incident) WHERE id = \(ticket)")
        try await session.insertEvent(at: now, kind: .joined, ticket: ticket, incident: incident, detail: detail)
        touched.insert(incident)
    }
}

extension PostgresTicketStore {
    /// One delivery of alerts in one transaction: every alert lands, or none does.
    public func recordAlerts(_ batch: AlertBatch, policy: TicketPolicy) async throws -> AlertIntakeOutcome {
        try await transaction { session in
            try await session.lockCluster(batch.cluster)
            var recorder = PostgresAlertRecorder(session: session, batch: batch, policy: policy)
            return try await recorder.run()
        }
    }
}
