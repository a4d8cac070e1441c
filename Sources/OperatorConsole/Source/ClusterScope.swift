import Foundation
import OperatorCore

/// How the console narrows the store to one cluster. Until tickets and incidents carry their cluster
/// (issue 17's cluster model), a store holds one cluster's rows and this scopes by subject; it is the one
/// file that changes when the cluster model lands.
enum ClusterScope {
    static let defaultCluster = "default"

    static func cluster(of incident: Incident) -> String { defaultCluster }

    static func newestIncidents(in store: any TicketStore, limit: Int) async throws -> [Incident] {
        Array(try await store.incidents(IncidentFilter()).reversed().prefix(max(0, limit)))
    }

    static func openIncidentCount(in store: any TicketStore, cluster: String, subject: String) async throws -> Int {
        try await store.incidents(IncidentFilter(statuses: [.open, .diagnosed], subject: subject)).count
    }

    static func openTickets(in store: any TicketStore, cluster: String, subject: String) async throws -> [Ticket] {
        try await store.tickets(TicketFilter(statuses: [.created, .diagnosed], subject: subject))
    }
}
