import Foundation
import OperatorCore

/// How the console narrows the store to one cluster: tickets and incidents carry their cluster, and the
/// store filters by it.
enum ClusterScope {
    static func cluster(of incident: Incident) -> String { incident.cluster }

    static func newestIncidents(in store: any TicketStore, limit: Int) async throws -> [Incident] {
        try await store.incidents(IncidentFilter(limit: max(0, limit), newestFirst: true))
    }

    static func openIncidentCount(in store: any TicketStore, cluster: String, subject: String) async throws -> Int {
        try await store.incidentCount(IncidentFilter(statuses: [.open, .diagnosed], cluster: cluster))
    }

    static func openTickets(in store: any TicketStore, cluster: String, subject: String) async throws -> [Ticket] {
        try await store.tickets(TicketFilter(statuses: [.created, .diagnosed], cluster: cluster))
    }
}
