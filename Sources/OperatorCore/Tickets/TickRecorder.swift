import Foundation
import GRDB

/// Applies one tick's findings inside one write transaction.
///
/// Order matters: tickets first (open, bump, reopen, age out), then incident membership for tickets that
/// need one (roots before the violations they explain), then merges where a new root explains an older
/// incident, then every touched incident's status.
struct TickRecorder {
    let db: Database
    let findings: TickFindings
    let policy: TicketPolicy
    private var outcome = TickOutcome()
    private var touchedIncidents: Set<Int64> = []

    init(db: Database, findings: TickFindings, policy: TicketPolicy) {
        self.db = db
        self.findings = findings
        self.policy = policy
    }

    /// The columns of a ticket row this recorder reads and writes.
    private struct Row_ {
        var id: Int64
        var key: ViolationKey
        var status: TicketStatus
        var missedTicks: Int
        var lastSeen: Date
        var incidentID: Int64?
    }

    mutating func run() throws -> TickOutcome {
        let now = findings.at
        let current = Self.strongestPerKey(findings.violations)
        var rows = try loadTickets()
        let flaps = FlapDetector(db: db, policy: policy.flapping)
        // Tickets of a flapping incident are held open while their violation comes and goes.
        let flapping = try flaps.flapping(among: Set(rows.values.filter { $0.status.isOpen }.compactMap(\.incidentID)))
        var needIncident: [ViolationKey] = []
        var opened: [Int64] = [], reopened: [Int64] = [], updated: [Int64] = []

        for (key, violation) in current.sorted(by: { $0.key < $1.key }) {
            let excerpt = try StoredRows.json(violation.excerpt)
            if let row = rows[key] {
                if row.status.isOpen {
                    try db.execute(
                        sql: """
                            UPDATE ticket SET last_seen = ?, occurrences = occurrences + 1, missed_ticks = 0,
                                severity = ?, message = ? WHERE id = ?
                            """,
                        arguments: [now, violation.severity.rawValue, violation.message, row.id])
                    if row.incidentID == nil { needIncident.append(key) }
                    // Absent long enough to have resolved, but held open by a flapping incident: a recurrence.
                    if let incident = row.incidentID, flapping.contains(incident), row.missedTicks >= resolveThreshold(row.key) {
                        try flaps.countRecurrence(ticket: row.id, incident: incident, now: now)
                    }
                    updated.append(row.id)
                } else {
                    try db.execute(
                        sql: """
                            UPDATE ticket SET status = 'created', last_seen = ?, occurrences = occurrences + 1,
                                missed_ticks = 0, resolved_at = NULL, severity = ?, message = ?, snapshot_excerpt = ?,
                                reopen_count = reopen_count + 1 WHERE id = ?
                            """,
                        arguments: [now, violation.severity.rawValue, violation.message, excerpt, row.id])
                    rows[key]?.status = .created
                    try StoredRows.insertEvent(
                        db, at: now, kind: .reopened, ticket: row.id, incident: nil, detail: violation.message)
                    needIncident.append(key)
                    reopened.append(row.id)
                }
            } else {
                try db.execute(
                    sql: """
                        INSERT INTO ticket (cluster, subject, invariant, entity, severity, status, message, first_seen,
                            last_seen, occurrences, snapshot_excerpt) VALUES (?, ?, ?, ?, ?, 'created', ?, ?, ?, 1, ?)
                        """,
                    arguments: [
                        findings.cluster, findings.subject, key.invariant, key.entity.description, violation.severity.rawValue,
                        violation.message, now, now, excerpt,
                    ])
                let id = db.lastInsertedRowID
                rows[key] = Row_(id: id, key: key, status: .created, missedTicks: 0, lastSeen: now, incidentID: nil)
                try StoredRows.insertEvent(db, at: now, kind: .opened, ticket: id, incident: nil, detail: violation.message)
                needIncident.append(key)
                opened.append(id)
            }
        }

        // Age out open tickets whose violation is absent from an evaluated invariant.
        for row in rows.values where row.status.isOpen && current[row.key] == nil {
            guard findings.evaluated.contains(row.key.invariant) else { continue }
            let missed = row.missedTicks + 1
            let held = row.incidentID.map(flapping.contains) ?? false
            if missed >= resolveThreshold(row.key) && (!held || flaps.hasSettled(lastSeen: row.lastSeen, now: now)) {
                try db.execute(
                    sql: "UPDATE ticket SET status = 'resolved', resolved_at = ?, missed_ticks = ? WHERE id = ?",
                    arguments: [now, missed, row.id])
                let quiet = DurationText.format(seconds: now.timeIntervalSince(row.lastSeen))
                try StoredRows.insertEvent(
                    db, at: now, kind: .resolved, ticket: row.id, incident: row.incidentID,
                    detail: held
                        ? "settled: quiet for \(quiet) after flapping (\(missed) consecutive clean ticks)"
                        : "absent for \(missed) consecutive tick(s)")
                rows[row.key]?.status = .resolved
                if let i = row.incidentID { touchedIncidents.insert(i) }
                try StoredRows.ticket(id: row.id, in: db).map { outcome.resolved.append($0) }
            } else {
                try db.execute(sql: "UPDATE ticket SET missed_ticks = ? WHERE id = ?", arguments: [missed, row.id])
            }
        }

        try assignIncidents(needIncident, current: current, rows: &rows, now: now)
        try mergeExplainedIncidents(current: current, rows: rows, now: now)
        // Recurrences (reopened tickets) may make their incident flapping.
        let recurred = Set(reopened)
        let recurredInto = recurred.isEmpty ? [] : Set(rows.values.filter { recurred.contains($0.id) }.compactMap(\.incidentID))
        for incident in recurredInto.sorted() {
            if try flaps.startFlappingIfDue(incident: incident, now: now) { touchedIncidents.insert(incident) }
        }
        for id in touchedIncidents.sorted() { try refreshIncident(id, now: now) }

        // Read back after incident assignment, so each ticket carries its incident id.
        outcome.opened = try opened.compactMap { try StoredRows.ticket(id: $0, in: db) }
        outcome.reopened = try reopened.compactMap { try StoredRows.ticket(id: $0, in: db) }
        outcome.updated = try updated.compactMap { try StoredRows.ticket(id: $0, in: db) }
        return outcome
    }

    // MARK: - Incidents

    /// Causal parent of each current violation: the first link naming it as effect wins. A cause is either
    /// violated in this tick or a known ticket: a fault's after-effects often show once the fault itself has
    /// stopped being observed (a resumed process's long fsync), and belong to its incident (reopened if it
    /// resolved within the reopen window, see `assignIncidents`).
    private func parents(current: [ViolationKey: Violation], rows: [ViolationKey: Row_]) -> [ViolationKey: CausalLink] {
        var parent: [ViolationKey: CausalLink] = [:]
        // An open alert ticket is never in a tick's violations, yet a violation of this tick may explain it
        // (the alert came first): it counts as current for placing it, so its incident merges into the cause's.
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
        while let p = parents[k]?.cause, seen.insert(p).inserted {  // a cycle stops at the first repeat
            k = p
            depth += 1
        }
        return (k, depth)
    }

    private mutating func assignIncidents(
        _ keys: [ViolationKey], current: [ViolationKey: Violation], rows: inout [ViolationKey: Row_], now: Date
    ) throws {
        let parents = parents(current: current, rows: rows)
        // Roots first, so the violations they explain find their incident already open.
        let ordered = keys.map { ($0, root(of: $0, parents: parents)) }.sorted {
            $0.1.depth != $1.1.depth ? $0.1.depth < $1.1.depth : $0.0 < $1.0
        }
        for (key, (rootKey, _)) in ordered {
            guard let row = rows[key], let violation = current[key] else { continue }
            if rootKey != key, let rootRow = rows[rootKey], let target = rootRow.incidentID,
                try isOpenIncident(target) || (current[rootKey] == nil && reopenIfRecent(target, now: now))
            {
                let reason = parents[key]?.reason ?? "explained by \(rootKey)"
                try join(ticket: row.id, incident: target, now: now, detail: "\(key) joined: \(reason)")
                rows[key]?.incidentID = target
                continue
            }
            if let previous = row.incidentID, try reopenIfRecent(previous, now: now) {
                try join(ticket: row.id, incident: previous, now: now, detail: "\(key) recurred; incident reopened")
                continue
            }
            let id = try openIncident(for: violation, now: now)
            try db.execute(sql: "UPDATE ticket SET incident_id = ? WHERE id = ?", arguments: [id, row.id])
            rows[key]?.incidentID = id
            touchedIncidents.insert(id)
        }
    }

    /// A new root can explain violations already grouped under their own incident (the effect was seen
    /// first). Fold such an incident into the root's, keeping one incident per root cause.
    private mutating func mergeExplainedIncidents(current: [ViolationKey: Violation], rows: [ViolationKey: Row_], now: Date)
        throws
    {
        let parents = parents(current: current, rows: rows)
        for (effect, link) in parents.sorted(by: { $0.key < $1.key }) {
            let (rootKey, _) = root(of: effect, parents: parents)
            guard let effectRow = rows[effect], let from = effectRow.incidentID,
                let into = rows[rootKey]?.incidentID, from != into, try isOpenIncident(into),
                let incident = try Row.fetchOne(
                    db, sql: "SELECT root_entity, root_invariant, status FROM incident WHERE id = ?", arguments: [from]),
                (incident["status"] as String) != IncidentStatus.resolved.rawValue,
                (incident["root_entity"] as String) == effect.entity.description,
                (incident["root_invariant"] as String) == effect.invariant
            else { continue }
            try db.execute(sql: "UPDATE ticket SET incident_id = ? WHERE incident_id = ?", arguments: [into, from])
            try db.execute(
                sql: """
                    UPDATE incident SET status = 'resolved', resolved_at = ?, updated_at = ?, merged_into = ?,
                        flapping_since = NULL WHERE id = ?
                    """,
                arguments: [now, now, into, from])
            let detail = "incident #\(from) merged into #\(into): \(link.reason)"
            try StoredRows.insertEvent(db, at: now, kind: .merged, ticket: nil, incident: from, detail: detail)
            // The folded incident is over for its receivers (Alertmanager would keep it firing otherwise).
            try Outbox.enqueue(db, event: .resolved, incident: from, sequence: db.lastInsertedRowID, at: now)
            try StoredRows.insertEvent(db, at: now, kind: .merged, ticket: nil, incident: into, detail: detail)
            touchedIncidents.insert(into)
            touchedIncidents.remove(from)
        }
    }

    private func isOpenIncident(_ id: Int64) throws -> Bool {
        let status = try String.fetchOne(db, sql: "SELECT status FROM incident WHERE id = ?", arguments: [id])
        return status != nil && status != IncidentStatus.resolved.rawValue
    }

    private mutating func join(ticket: Int64, incident: Int64, now: Date, detail: String) throws {
        try db.execute(sql: "UPDATE ticket SET incident_id = ? WHERE id = ?", arguments: [incident, ticket])
        try StoredRows.insertEvent(db, at: now, kind: .joined, ticket: ticket, incident: incident, detail: detail)
        touchedIncidents.insert(incident)
    }

    /// Reopens a resolved, unmerged incident that resolved within the policy's window.
    private mutating func reopenIfRecent(_ id: Int64, now: Date) throws -> Bool {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT status, resolved_at, merged_into FROM incident WHERE id = ?", arguments: [id])
        else { return false }
        let status: String = row["status"]
        if status != IncidentStatus.resolved.rawValue { return true }  // still open: simply rejoin it
        let resolvedAt: Date? = row["resolved_at"]
        let mergedInto: Int64? = row["merged_into"]
        guard mergedInto == nil, let resolvedAt,
            now.timeIntervalSince(resolvedAt) <= policy.incidentReopenWindow.seconds
        else { return false }
        try db.execute(
            sql: """
                UPDATE incident SET status = 'open', resolved_at = NULL, updated_at = ?, reopen_count = reopen_count + 1,
                    next_attempt_at = NULL WHERE id = ?
                """,
            arguments: [now, id])
        try StoredRows.insertEvent(db, at: now, kind: .reopened, ticket: nil, incident: id, detail: "a member recurred")
        outcome.incidentsOpened.append(id)
        return true
    }

    private mutating func openIncident(for violation: Violation, now: Date) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO incident (cluster, subject, root_entity, root_invariant, status, severity, title, opened_at,
                    updated_at) VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?)
                """,
            arguments: [
                findings.cluster, findings.subject, violation.entity.description, violation.invariant, violation.severity.rawValue,
                violation.message, now, now,
            ])
        let id = db.lastInsertedRowID
        try StoredRows.insertEvent(
            db, at: now, kind: .opened, ticket: nil, incident: id, detail: "\(violation.key): \(violation.message)")
        outcome.incidentsOpened.append(id)
        return id
    }

    /// Derives an incident's status and severity from its members.
    private mutating func refreshIncident(_ id: Int64, now: Date) throws {
        if try IncidentStatusRefresher.refresh(id, in: db, now: now) == .resolved {
            outcome.incidentsResolved.append(id)
        }
    }

    /// Consecutive clean ticks after which a ticket resolves.
    private func resolveThreshold(_ key: ViolationKey) -> Int {
        policy.resolveImmediately.contains(key.invariant) ? 1 : policy.resolveAfterAbsentTicks
    }

    // MARK: - Loading

    private func loadTickets() throws -> [ViolationKey: Row_] {
        var rows: [ViolationKey: Row_] = [:]
        let fetched = try Row.fetchAll(
            db,
            sql: """
                SELECT id, invariant, entity, status, missed_ticks, last_seen, incident_id FROM ticket
                WHERE cluster = ? AND subject = ?
                """,
            arguments: [findings.cluster, findings.subject])
        for r in fetched {
            let entityText: String = r["entity"]
            let statusText: String = r["status"]
            guard let entity = try? Entity(parsing: entityText), let status = TicketStatus(rawValue: statusText) else {
                throw StoredRows.CorruptRow(table: "ticket", column: "entity/status", value: "\(entityText)/\(statusText)")
            }
            let key = ViolationKey(invariant: r["invariant"], entity: entity)
            rows[key] = Row_(
                id: r["id"], key: key, status: status, missedTicks: r["missed_ticks"], lastSeen: r["last_seen"],
                incidentID: r["incident_id"])
        }
        return rows
    }

    /// One violation per key: if an invariant reports the same entity twice, the most severe wins.
    static func strongestPerKey(_ violations: [Violation]) -> [ViolationKey: Violation] {
        var out: [ViolationKey: Violation] = [:]
        for v in violations {
            if let existing = out[v.key], existing.severity >= v.severity { continue }
            out[v.key] = v
        }
        return out
    }
}

/// Keeps an incident's status, severity and resolution in step with its member tickets.
enum IncidentStatusRefresher {
    /// Returns the new status when it changed to resolved, else the current status.
    @discardableResult
    static func refresh(_ id: Int64, in db: Database, now: Date) throws -> IncidentStatus? {
        guard let current = try String.fetchOne(db, sql: "SELECT status FROM incident WHERE id = ?", arguments: [id])
        else { return nil }
        let members = try Row.fetchAll(db, sql: "SELECT status, severity FROM ticket WHERE incident_id = ?", arguments: [id])
        guard !members.isEmpty else { return nil }
        let statuses = members.compactMap { TicketStatus(rawValue: $0["status"]) }
        let open = members.filter { ($0["status"] as String) != TicketStatus.resolved.rawValue }
        if open.isEmpty {
            guard current != IncidentStatus.resolved.rawValue else { return nil }
            let flap = try Row.fetchOne(db, sql: "SELECT flapping_since, flap_count FROM incident WHERE id = ?", arguments: [id])
            let wasFlapping = (flap?["flapping_since"] as Date?) != nil
            try db.execute(
                sql: """
                    UPDATE incident SET status = 'resolved', resolved_at = ?, updated_at = ?, claimed_until = NULL,
                        flapping_since = NULL WHERE id = ?
                    """,
                arguments: [now, now, id])
            let detail =
                wasFlapping
                ? "all tickets resolved; settled after flapping (\((flap?["flap_count"] as Int?) ?? 0) recurrences)"
                : "all tickets resolved"
            try StoredRows.insertEvent(db, at: now, kind: .resolved, ticket: nil, incident: id, detail: detail)
            return .resolved
        }
        let status: IncidentStatus = statuses.contains(.created) ? .open : .diagnosed
        let severity = open.compactMap { Severity(rawValue: $0["severity"]) }.max() ?? .warning
        try db.execute(
            sql: "UPDATE incident SET status = ?, severity = ?, resolved_at = NULL, updated_at = ? WHERE id = ?",
            arguments: [status.rawValue, severity.rawValue, now, id])
        return status
    }
}
