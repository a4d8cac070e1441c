import Foundation
import OperatorCore
import PostgresNIO

/// Tickets, incidents and timelines: listing, and what people do by hand.
extension PostgresTicketStore {
    public func tickets(_ filter: TicketFilter) async throws -> [Ticket] {
        let statuses = filter.statuses.map { $0.map(\.rawValue).sorted() }
        let newestFirst = filter.newestFirst || filter.beforeID != nil
        return try await read { session in
            try await session.rows(
                """
                \(unescaped: PostgresRows.ticketSelect)
                WHERE (\(statuses)::text[] IS NULL OR ticket.status = ANY(\(statuses)::text[]))
                    AND (\(filter.subject)::text IS NULL OR ticket.subject = \(filter.subject))
                    AND (\(filter.incidentID)::bigint IS NULL OR ticket.incident_id = \(filter.incidentID))
                    AND (\(filter.cluster)::text IS NULL OR ticket.cluster = \(filter.cluster))
                    AND (\(filter.beforeID)::bigint IS NULL OR ticket.id < \(filter.beforeID))
                ORDER BY ticket.id \(unescaped: newestFirst ? "DESC" : "ASC") LIMIT \(filter.limit)
                """
            ).map(PostgresRows.ticket)
        }
    }

    public func ticket(id: Int64) async throws -> Ticket? {
        try await read { session in try await session.ticket(id: id) }
    }

    public func resolveTicket(id: Int64, at: Date, note: String) async throws -> Ticket {
        let path = location.description
        return try await transaction { session in
            guard let cluster = try await session.value("SELECT cluster FROM ticket WHERE id = \(id)", as: String.self) else {
                throw NotFoundError(what: "ticket", id: id, path: path)
            }
            try await session.lockCluster(cluster)
            guard let ticket = try await session.ticket(id: id) else { throw NotFoundError(what: "ticket", id: id, path: path) }
            guard ticket.status != .resolved else { return ticket }
            try await session.execute("UPDATE ticket SET status = 'resolved', resolved_at = \(at), missed_ticks = 0 WHERE id = \(id)")
            try await session.insertEvent(at: at, kind: .manuallyResolved, ticket: id, incident: ticket.incidentID, detail: note)
            if let incident = ticket.incidentID { try await PostgresIncidentStatus.refresh(incident, session: session, now: at) }
            return try await session.ticket(id: id) ?? ticket
        }
    }

    public func incidents(_ filter: IncidentFilter) async throws -> [Incident] {
        let newestFirst = filter.newestFirst || filter.beforeID != nil
        return try await read { session in
            var incidents = try await session.rows(
                Self.incidentQuery(
                    "SELECT *", filter,
                    suffix: " ORDER BY id \(newestFirst ? "DESC" : "ASC")" + (filter.limit.map { " LIMIT \(max(0, $0))" } ?? ""))
            ).map { try PostgresRows.incident($0, ticketIDs: []) }
            let members = try await session.ticketIDs(ofIncidents: incidents.map(\.id))
            for index in incidents.indices { incidents[index].ticketIDs = members[incidents[index].id] ?? [] }
            return incidents
        }
    }

    public func incidentCount(_ filter: IncidentFilter) async throws -> Int {
        try await read { session in try await session.value(Self.incidentQuery("SELECT COUNT(*)", filter, suffix: ""), as: Int.self) ?? 0 }
    }

    /// `select` FROM incident WHERE (the filter's conditions) `suffix`; the limit is a number, not input text.
    static func incidentQuery(_ select: String, _ filter: IncidentFilter, suffix: String) -> PostgresQuery {
        let statuses = filter.statuses.map { $0.map(\.rawValue).sorted() }
        return """
            \(unescaped: select) FROM incident
            WHERE (\(statuses)::text[] IS NULL OR status = ANY(\(statuses)::text[]))
                AND (\(filter.subject)::text IS NULL OR subject = \(filter.subject))
                AND (\(filter.cluster)::text IS NULL OR cluster = \(filter.cluster))
                AND (\(filter.beforeID)::bigint IS NULL OR id < \(filter.beforeID))
                AND (\(filter.includeMerged) OR merged_into IS NULL)\(unescaped: suffix)
            """
    }

    public func incident(id: Int64) async throws -> Incident? {
        try await read { session in try await session.incident(id: id) }
    }

    public func timeline(incidentID: Int64) async throws -> [TimelineEvent] {
        try await read { session in
            try await session.rows(
                """
                SELECT * FROM event WHERE incident_id = \(incidentID)
                    OR ticket_id IN (SELECT id FROM ticket WHERE incident_id = \(incidentID))
                ORDER BY at, id
                """
            ).map(PostgresRows.event)
        }
    }

    public func timeline(ticketID: Int64) async throws -> [TimelineEvent] {
        try await read { session in
            try await session.rows("SELECT * FROM event WHERE ticket_id = \(ticketID) ORDER BY at, id").map(PostgresRows.event)
        }
    }

    public func acknowledgeIncident(id: Int64, by: String, note: String?, at: Date) async throws -> Incident {
        let path = location.description
        return try await transaction { session in
            guard try await session.lockCluster(ofIncident: id) != nil else { throw NotFoundError(what: "incident", id: id, path: path) }
            try await session.execute("UPDATE incident SET acknowledged_by = \(by), acknowledged_at = \(at) WHERE id = \(id)")
            let detail = "acknowledged by \(by)" + (note.map { $0.isEmpty ? "" : ": \($0)" } ?? "")
            try await session.insertEvent(at: at, kind: .acknowledged, ticket: nil, incident: id, detail: detail)
            guard let incident = try await session.incident(id: id) else { throw NotFoundError(what: "incident", id: id, path: path) }
            return incident
        }
    }

    public func resolveIncident(id: Int64, at: Date, note: String?) async throws -> Incident {
        let path = location.description
        return try await transaction { session in
            guard try await session.lockCluster(ofIncident: id) != nil, let incident = try await session.incident(id: id) else {
                throw NotFoundError(what: "incident", id: id, path: path)
            }
            guard incident.status != .resolved else { return incident }
            let detail = "resolved by hand" + (note.map { $0.isEmpty ? "" : ": \($0)" } ?? "")
            let open = try await session.values(
                "SELECT id FROM ticket WHERE incident_id = \(id) AND status != 'resolved' ORDER BY id", as: Int64.self)
            for ticket in open {
                try await session.execute(
                    "UPDATE ticket SET status = 'resolved', resolved_at = \(at), missed_ticks = 0 WHERE id = \(ticket)")
                try await session.insertEvent(at: at, kind: .manuallyResolved, ticket: ticket, incident: id, detail: detail)
            }
            try await session.execute(
                """
                UPDATE incident SET status = 'resolved', resolved_at = \(at), updated_at = \(at), claimed_until = NULL,
                    flapping_since = NULL WHERE id = \(id)
                """)
            try await session.insertEvent(at: at, kind: .manuallyResolved, ticket: nil, incident: id, detail: detail)
            guard let resolved = try await session.incident(id: id) else { throw NotFoundError(what: "incident", id: id, path: path) }
            return resolved
        }
    }
}
