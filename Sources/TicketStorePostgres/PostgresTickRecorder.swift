import Foundation
import OperatorCore
import PostgresNIO

/// Applies one tick's findings inside one transaction holding the cluster's lock: the PostgreSQL port of
/// OperatorCore's `TickRecorder`, step for step (tickets first, then incident membership, roots before the
/// violations they explain, then merges, then every touched incident's status).
struct PostgresTickRecorder {
    let session: PostgresSession
    let findings: TickFindings
    let policy: TicketPolicy
    private var outcome = TickOutcome()
    private var touchedIncidents: Set<Int64> = []

    init(session: PostgresSession, findings: TickFindings, policy: TicketPolicy) {
        self.session = session
        self.findings = findings
        self.policy = policy
    }

    private struct Row_ {
        var id: Int64
        var key: ViolationKey
        var status: TicketStatus
        var missedTicks: Int
        var lastSeen: Date
        var incidentID: Int64?
    }

    mutating func run() async throws -> TickOutcome {
        let now = findings.at
        let current = Self.strongestPerKey(findings.violations)
        var rows = try await loadTickets()
        let flaps = PostgresFlapDetector(session: session, policy: policy.flapping)
        let flapping = try await flaps.flapping(among: Set(rows.values.filter { $0.status.isOpen }.compactMap(\.incidentID)))
        var needIncident: [ViolationKey] = []
        var opened: [Int64] = [], reopened: [Int64] = [], updated: [Int64] = []

        for (key, violation) in current.sorted(by: { $0.key < $1.key }) {
            let excerpt = try PostgresRows.json(violation.excerpt)
            if let row = rows[key] {
                if row.status.isOpen {
                    try await session.execute(
                        """
                        UPDATE ticket SET last_seen = \(now), occurrences = occurrences + 1, missed_ticks = 0,
                            severity = \(violation.severity.rawValue), message = \(violation.message) WHERE id = \(row.id)
                        """)
                    if row.incidentID == nil { needIncident.append(key) }
                    if let incident = row.incidentID, flapping.contains(incident), row.missedTicks >= resolveThreshold(row.key) {
                        try await flaps.countRecurrence(ticket: row.id, incident: incident, now: now)
                    }
                    updated.append(row.id)
                } else {
                    try await session.execute(
                        """
                        UPDATE ticket SET status = 'created', last_seen = \(now), occurrences = occurrences + 1,
                            missed_ticks = 0, resolved_at = NULL, severity = \(violation.severity.rawValue),
                            message = \(violation.message), snapshot_excerpt = \(excerpt), reopen_count = reopen_count + 1
                        WHERE id = \(row.id)
                        """)
                    rows[key]?.status = .created
                    try await session.insertEvent(at: now, kind: .reopened, ticket: row.id, incident: nil, detail: violation.message)
                    needIncident.append(key)
                    reopened.append(row.id)
                }
            } else {
                // A plain INSERT: a replica that inserted the same key first makes this fail on the unique
                // index (23505), and the store runs the whole tick again, finding the row.
                let id = try await session.insert(
                    """
                    INSERT INTO ticket (cluster, subject, invariant, entity, severity, status, message, first_seen,
                        last_seen, occurrences, snapshot_excerpt)
                    VALUES (\(findings.cluster), \(findings.subject), \(key.invariant), \(key.entity.description),
                        \(violation.severity.rawValue), 'created', \(violation.message), \(now), \(now), 1, \(excerpt))
                    RETURNING id
                    """)
                rows[key] = Row_(id: id, key: key, status: .created, missedTicks: 0, lastSeen: now, incidentID: nil)
                try await session.insertEvent(at: now, kind: .opened, ticket: id, incident: nil, detail: violation.message)
                needIncident.append(key)
                opened.append(id)
            }
        }

        // Age out open tickets whose violation is absent from an evaluated invariant.
        for row in rows.values.sorted(by: { $0.id < $1.id }) where row.status.isOpen && current[row.key] == nil {
            guard findings.evaluated.contains(row.key.invariant) else { continue }
            let missed = row.missedTicks + 1
            let held = row.incidentID.map(flapping.contains) ?? false
            if missed >= resolveThreshold(row.key) && (!held || flaps.hasSettled(lastSeen: row.lastSeen, now: now)) {
                try await session.execute(
                    "UPDATE ticket SET status = 'resolved', resolved_at = \(now), missed_ticks = \(missed) WHERE id = \(row.id)")
                let quiet = DurationText.format(seconds: now.timeIntervalSince(row.lastSeen))
                try await session.insertEvent(
                    at: now, kind: .resolved, ticket: row.id, incident: row.incidentID,
                    detail: held
                        ? "settled: quiet for \(quiet) after flapping (\(missed) consecutive clean ticks)"
                        : "absent for \(missed) consecutive tick(s)")
                rows[row.key]?.status = .resolved
                if let i = row.incidentID { touchedIncidents.insert(i) }
                if let ticket = try await session.ticket(id: row.id) { outcome.resolved.append(ticket) }
            } else {
                try await session.execute("UPDATE ticket SET missed_ticks = \(missed) WHERE id = \(row.id)")
            }
        }

        try await assignIncidents(needIncident, current: current, rows: &rows, now: now)
        try await mergeExplainedIncidents(current: current, rows: rows, now: now)
        let recurred = Set(reopened)
        let recurredInto = recurred.isEmpty ? [] : Set(rows.values.filter { recurred.contains($0.id) }.compactMap(\.incidentID))
        for incident in recurredInto.sorted() {
            if try await flaps.startFlappingIfDue(incident: incident, now: now) { touchedIncidents.insert(incident) }
        }
        for id in touchedIncidents.sorted() {
            if try await PostgresIncidentStatus.refresh(id, session: session, now: now) == .resolved {
                outcome.incidentsResolved.append(id)
            }
        }

        for id in opened { if let t = try await session.ticket(id: id) { outcome.opened.append(t) } }
        for id in reopened { if let t = try await session.ticket(id: id) { outcome.reopened.append(t) } }
        for id in updated { if let t = try await session.ticket(id: id) { outcome.updated.append(t) } }
        return outcome
    }

    // MARK: - Incidents

    private func parents(current: [ViolationKey: Violation], rows: [ViolationKey: Row_]) -> [ViolationKey: CausalLink] {
        var parent: [ViolationKey: CausalLink] = [:]
        func isOpenAlert(_ key: ViolationKey) -> Bool { AlertTicket.isAlert(key.invariant) && rows[key]?.status.isOpen == true }
        for link in findings.causalLinks
        where link.cause != link.effect && (current[link.cause] != nil || rows[link.cause] != nil)
            && (current[link.effect] != nil || isOpenAlert(link.effect)) && parent[link.effect] == nil
        {
            parent[link.effect] = link
        }
        return parent
    }

    private func root(of key: ViolationKey, parents: [ViolationKey: CausalLink]) -> (ViolationKey, depth: Int) {
        var k = key
        var seen: Set<ViolationKey> = [key]
        var depth = 0
        while let p = parents[k]?.cause, seen.insert(p).inserted {
            k = p
            depth += 1
        }
        return (k, depth)
    }

    private mutating func assignIncidents(
        _ keys: [ViolationKey], current: [ViolationKey: Violation], rows: inout [ViolationKey: Row_], now: Date
    ) async throws {
        let parents = parents(current: current, rows: rows)
        let ordered = keys.map { ($0, root(of: $0, parents: parents)) }.sorted {
            $0.1.depth != $1.1.depth ? $0.1.depth < $1.1.depth : $0.0 < $1.0
        }
        for (key, (rootKey, _)) in ordered {
            guard let row = rows[key], let violation = current[key] else { continue }
            if rootKey != key, let rootRow = rows[rootKey], let target = rootRow.incidentID {
                var joins = try await isOpenIncident(target)
                if !joins, current[rootKey] == nil { joins = try await reopenIfRecent(target, now: now) }
                if joins {
                    let reason = parents[key]?.reason ?? "explained by \(rootKey)"
                    try await join(ticket: row.id, incident: target, now: now, detail: "\(key) joined: \(reason)")
                    rows[key]?.incidentID = target
                    continue
                }
            }
            if let previous = row.incidentID, try await reopenIfRecent(previous, now: now) {
                try await join(ticket: row.id, incident: previous, now: now, detail: "\(key) recurred; incident reopened")
                continue
            }
            let id = try await openIncident(for: violation, now: now)
            try await session.execute("UPDATE ticket SET incident_id = \(id) WHERE id = \(row.id)")
            rows[key]?.incidentID = id
            touchedIncidents.insert(id)
        }
    }

    private mutating func mergeExplainedIncidents(current: [ViolationKey: Violation], rows: [ViolationKey: Row_], now: Date)
        async throws
    {
        let parents = parents(current: current, rows: rows)
        for (effect, link) in parents.sorted(by: { $0.key < $1.key }) {
            let (rootKey, _) = root(of: effect, parents: parents)
            guard let effectRow = rows[effect], let from = effectRow.incidentID,
                let into = rows[rootKey]?.incidentID, from != into, try await isOpenIncident(into),
                let incident = try await session.row("SELECT root_entity, root_invariant, status FROM incident WHERE id = \(from)"),
                try incident.get("status", as: String.self) != IncidentStatus.resolved.rawValue,
                try incident.get("root_entity", as: String.self) == effect.entity.description,
                try incident.get("root_invariant", as: String.self) == effect.invariant
            else { continue }
            try await session.execute("UPDATE ticket SET incident_id = \(into) WHERE incident_id = \(from)")
            try await session.execute(
                """
                UPDATE incident SET status = 'resolved', resolved_at = \(now), updated_at = \(now), merged_into = \(into),
                    flapping_since = NULL WHERE id = \(from)
                """)
            let detail = "incident #\(from) merged into #\(into): \(link.reason)"
            let mergedEvent = try await session.insertEvent(at: now, kind: .merged, ticket: nil, incident: from, detail: detail)
            // The folded incident is over for its receivers (Alertmanager would keep it firing otherwise).
            try await session.enqueueNotification(.resolved, incident: from, sequence: mergedEvent, at: now)
            try await session.insertEvent(at: now, kind: .merged, ticket: nil, incident: into, detail: detail)
            touchedIncidents.insert(into)
            touchedIncidents.remove(from)
        }
    }

    private func isOpenIncident(_ id: Int64) async throws -> Bool {
        let status = try await session.value("SELECT status FROM incident WHERE id = \(id)", as: String.self)
        return status != nil && status != IncidentStatus.resolved.rawValue
    }

    private mutating func join(ticket: Int64, incident: Int64, now: Date, detail: String) async throws {
        try await session.execute("UPDATE ticket SET incident_id = \(incident) WHERE id = \(ticket)")
        try await session.insertEvent(at: now, kind: .joined, ticket: ticket, incident: incident, detail: detail)
        touchedIncidents.insert(incident)
    }

    private mutating func reopenIfRecent(_ id: Int64, now: Date) async throws -> Bool {
        guard let reopened = try await PostgresIncidentStatus.reopenIfRecent(
            id, session: session, now: now, window: policy.incidentReopenWindow, detail: "a member recurred")
        else { return false }
        if reopened { outcome.incidentsOpened.append(id) }
        return true
    }

    private mutating func openIncident(for violation: Violation, now: Date) async throws -> Int64 {
        let id = try await session.insert(
            """
            INSERT INTO incident (cluster, subject, root_entity, root_invariant, status, severity, title, opened_at, updated_at)
            VALUES (\(findings.cluster), \(findings.subject), \(violation.entity.description), \(violation.invariant), 'open',
                \(violation.severity.rawValue), \(violation.message), \(now), \(now))
            RETURNING id
            """)
        try await session.insertEvent(at: now, kind: .opened, ticket: nil, incident: id, detail: "\(violation.key): \(violation.message)")
        outcome.incidentsOpened.append(id)
        return id
    }

    private func resolveThreshold(_ key: ViolationKey) -> Int {
        policy.resolveImmediately.contains(key.invariant) ? 1 : policy.resolveAfterAbsentTicks
    }

    private func loadTickets() async throws -> [ViolationKey: Row_] {
        var rows: [ViolationKey: Row_] = [:]
        let fetched = try await session.rows(
            """
            SELECT id, invariant, entity, status, missed_ticks, last_seen, incident_id FROM ticket
            WHERE cluster = \(findings.cluster) AND subject = \(findings.subject)
            """)
        for r in fetched {
            let entityText = try r.get("entity", as: String.self)
            let statusText = try r.get("status", as: String.self)
            guard let entity = try? Entity(parsing: entityText), let status = TicketStatus(rawValue: statusText) else {
                throw PostgresRows.CorruptRow(table: "ticket", column: "entity/status", value: "\(entityText)/\(statusText)")
            }
            let key = ViolationKey(invariant: try r.get("invariant"), entity: entity)
            rows[key] = Row_(
                id: try r.get("id"), key: key, status: status, missedTicks: try r.get("missed_ticks"), lastSeen: try r.get("last_seen"),
                incidentID: try r.get("incident_id"))
        }
        return rows
    }

    static func strongestPerKey(_ violations: [Violation]) -> [ViolationKey: Violation] {
        var out: [ViolationKey: Violation] = [:]
        for v in violations {
            if let existing = out[v.key], existing.severity >= v.severity { continue }
            out[v.key] = v
        }
        return out
    }
}
