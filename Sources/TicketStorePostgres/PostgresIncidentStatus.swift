import Foundation
import OperatorCore
import PostgresNIO

/// Keeps an incident's status, severity and resolution in step with its member tickets (OperatorCore's
/// `IncidentStatusRefresher`), and reopens a recently resolved one.
enum PostgresIncidentStatus {
    /// Returns `.resolved` when the incident just resolved, else its derived status (nil: no such incident
    /// or no members).
    @discardableResult
    static func refresh(_ id: Int64, session: PostgresSession, now: Date) async throws -> IncidentStatus? {
        guard let current = try await session.value("SELECT status FROM incident WHERE id = \(id)", as: String.self) else { return nil }
        let members = try await session.rows("SELECT status, severity FROM ticket WHERE incident_id = \(id)")
        guard !members.isEmpty else { return nil }
        var statuses: [TicketStatus] = []
        var openSeverities: [Severity] = []
        for member in members {
            let status = try member.get("status", as: String.self)
            if let parsed = TicketStatus(rawValue: status) { statuses.append(parsed) }
            if status != TicketStatus.resolved.rawValue, let severity = Severity(rawValue: try member.get("severity", as: String.self)) {
                openSeverities.append(severity)
            }
        }
        let openCount = statuses.filter { $0 != .resolved }.count
        if openCount == 0 {
            guard current != IncidentStatus.resolved.rawValue else { return nil }
            let flap = try await session.row("SELECT flapping_since, flap_count FROM incident WHERE id = \(id)")
            let wasFlapping = try flap?.get("flapping_since", as: Date?.self) != nil
            let flapCount = try flap?.get("flap_count", as: Int.self) ?? 0
            try await session.execute(
                """
                UPDATE incident SET status = 'resolved', resolved_at = \(now), updated_at = \(now), claimed_until = NULL,
                    flapping_since = NULL WHERE id = \(id)
                """)
            let detail = wasFlapping ? "all tickets resolved; settled after flapping (\(flapCount) recurrences)" : "all tickets resolved"
            try await session.insertEvent(at: now, kind: .resolved, ticket: nil, incident: id, detail: detail)
            return .resolved
        }
        let status: IncidentStatus = statuses.contains(.created) ? .open : .diagnosed
        let severity = openSeverities.max() ?? .warning
        try await session.execute(
            """
            UPDATE incident SET status = \(status.rawValue), severity = \(severity.rawValue), resolved_at = NULL, updated_at = \(now)
            WHERE id = \(id)
            """)
        return status
    }

    /// nil: cannot take the ticket back (missing, merged, or resolved longer ago than `window`); false: still
    /// open, simply rejoin it; true: it was resolved recently and is reopened now (timeline `reopened`).
    static func reopenIfRecent(_ id: Int64, session: PostgresSession, now: Date, window: Duration, detail: String) async throws -> Bool? {
        guard let row = try await session.row("SELECT status, resolved_at, merged_into FROM incident WHERE id = \(id)") else { return nil }
        if try row.get("status", as: String.self) != IncidentStatus.resolved.rawValue { return false }
        let resolvedAt = try row.get("resolved_at", as: Date?.self)
        let mergedInto = try row.get("merged_into", as: Int64?.self)
        guard mergedInto == nil, let resolvedAt, now.timeIntervalSince(resolvedAt) <= window.seconds else { return nil }
        try await session.execute(
            """
            UPDATE incident SET status = 'open', resolved_at = NULL, updated_at = \(now), reopen_count = reopen_count + 1,
                next_attempt_at = NULL WHERE id = \(id)
            """)
        try await session.insertEvent(at: now, kind: .reopened, ticket: nil, incident: id, detail: detail)
        return true
    }
}

/// Flap damping inside one tick's transaction (OperatorCore's `FlapDetector`; the rules are `FlapPolicy`'s).
struct PostgresFlapDetector {
    let session: PostgresSession
    let policy: FlapPolicy

    func flapping(among ids: Set<Int64>) async throws -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        return Set(
            try await session.values(
                "SELECT id FROM incident WHERE flapping_since IS NOT NULL AND id = ANY(\(ids.sorted()))", as: Int64.self))
    }

    func countRecurrence(ticket: Int64, incident: Int64, now: Date) async throws {
        try await session.execute("UPDATE ticket SET flap_count = flap_count + 1 WHERE id = \(ticket)")
        try await session.execute(
            """
            UPDATE incident SET updated_at = \(now),
                flap_count = GREATEST(flap_count, (SELECT flap_count FROM ticket WHERE id = \(ticket))) WHERE id = \(incident)
            """)
    }

    func hasSettled(lastSeen: Date, now: Date) -> Bool {
        now.timeIntervalSince(lastSeen) >= policy.settle.seconds
    }

    func startFlappingIfDue(incident: Int64, now: Date) async throws -> Bool {
        guard let since = try await session.row("SELECT flapping_since FROM incident WHERE id = \(incident)"),
            try since.get("flapping_since", as: Date?.self) == nil
        else { return false }
        let windowStart = now.addingTimeInterval(-policy.window.seconds)
        let perTicket = try await session.rows(
            """
            SELECT ticket_id, COUNT(*) AS n FROM event WHERE kind = \(TimelineEvent.Kind.reopened.rawValue) AND at > \(windowStart)
                AND ticket_id IN (SELECT id FROM ticket WHERE incident_id = \(incident))
            GROUP BY ticket_id
            """)
        var counts: [(ticket: Int64, n: Int)] = []
        for row in perTicket { counts.append((try row.get("ticket_id"), try row.get("n"))) }
        let recurrences = counts.map(\.n).max() ?? 0
        guard recurrences >= policy.threshold else { return false }
        for (ticket, n) in counts { try await session.execute("UPDATE ticket SET flap_count = \(n) WHERE id = \(ticket)") }
        try await session.execute(
            "UPDATE incident SET flapping_since = \(now), flap_count = \(recurrences), updated_at = \(now) WHERE id = \(incident)")
        let detail = """
            flapping: a member recurred \(recurrences) times within \(DurationText.format(policy.window)); \
            tickets are held open until quiet for \(DurationText.format(policy.settle)), re-diagnosed only on material change
            """
        try await session.insertEvent(at: now, kind: .flapping, ticket: nil, incident: incident, detail: detail)
        return true
    }
}
