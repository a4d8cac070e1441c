import Foundation
import OperatorCore

/// The store queries the API needs, in one place: pages newest first, open incidents per cluster, and
/// the hand-made changes (acknowledge, resolve).
struct IncidentData: Sendable {
    let store: any TicketStore

    /// Up to `page.limit + 1` incidents below the cursor, newest first (the extra row marks a next page).
    func incidents(cluster: String?, statuses: Set<IncidentStatus>?, page: PageQuery) async throws -> [Incident] {
        try await store.incidents(
            IncidentFilter(statuses: statuses, limit: page.limit + 1, cluster: cluster, beforeID: page.beforeID, newestFirst: true))
    }

    func tickets(cluster: String?, statuses: Set<TicketStatus>?, incidentID: Int64?, page: PageQuery) async throws -> [Ticket] {
        try await store.tickets(
            TicketFilter(
                statuses: statuses, incidentID: incidentID, limit: page.limit + 1, cluster: cluster, beforeID: page.beforeID,
                newestFirst: true))
    }

    func openIncidentCount(cluster: String) async throws -> Int {
        try await store.incidentCount(IncidentFilter(statuses: [.open, .diagnosed], cluster: cluster))
    }

    func cluster(of incident: Incident) -> String { incident.cluster }

    func acknowledge(incidentID: Int64, by: String, note: String?, at: Date) async throws -> Incident {
        try await store.acknowledgeIncident(id: incidentID, by: by, note: note, at: at)
    }

    /// Resolves the incident and its open member tickets by hand; a violation that persists reopens on the next tick.
    func resolve(incidentID: Int64, note: String?, at: Date) async throws -> Incident {
        try await store.resolveIncident(id: incidentID, at: at, note: note)
    }
}
