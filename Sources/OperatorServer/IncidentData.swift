import Foundation
import OperatorCore

/// The store queries the API needs, in one place: pages newest first, the cluster of an incident, and
/// the hand-made changes (acknowledge, resolve). Everything cluster-aware about the store is here.
struct IncidentData: Sendable {
    let store: any TicketStore

    /// Up to `page.limit + 1` incidents below the cursor, newest first (the extra row marks a next page).
    func incidents(cluster: String?, statuses: Set<IncidentStatus>?, page: PageQuery) async throws -> [Incident] {
        if let cluster, cluster != Self.defaultCluster { return [] }
        let all = try await store.incidents(IncidentFilter(statuses: statuses))
        return Array(all.reversed().filter { incident in page.beforeID.map { incident.id < $0 } ?? true }.prefix(page.limit + 1))
    }

    func tickets(cluster: String?, statuses: Set<TicketStatus>?, incidentID: Int64?, page: PageQuery) async throws -> [Ticket] {
        if let cluster, cluster != Self.defaultCluster { return [] }
        let all = try await store.tickets(TicketFilter(statuses: statuses, incidentID: incidentID))
        return Array(all.reversed().filter { ticket in page.beforeID.map { ticket.id < $0 } ?? true }.prefix(page.limit + 1))
    }

    func openIncidentCount(cluster: String) async throws -> Int {
        guard cluster == Self.defaultCluster else { return 0 }
        return try await store.incidents(IncidentFilter(statuses: [.open, .diagnosed])).count
    }

    func cluster(of incident: Incident) -> String { Self.defaultCluster }

    func acknowledge(incidentID: Int64, by: String, note: String?, at: Date) async throws -> Incident {
        throw APIError(.notImplemented, "not available", "acknowledging needs the cluster-aware ticket database")
    }

    /// Resolves the incident's open member tickets by hand; a violation that persists reopens on the next tick.
    func resolve(incidentID: Int64, note: String?, at: Date) async throws -> Incident {
        guard try await store.incident(id: incidentID) != nil else {
            throw NotFoundError(what: "incident", id: incidentID, path: "the ticket database")
        }
        for ticket in try await store.tickets(TicketFilter(statuses: [.created, .diagnosed], incidentID: incidentID)) {
            _ = try await store.resolveTicket(id: ticket.id, at: at, note: note ?? "resolved through the API")
        }
        guard let incident = try await store.incident(id: incidentID) else {
            throw NotFoundError(what: "incident", id: incidentID, path: "the ticket database")
        }
        return incident
    }

    static let defaultCluster = "default"
}
