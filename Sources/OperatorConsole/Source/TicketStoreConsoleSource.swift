import Foundation
import OperatorCore

/// The console over a real ticket store and the monitors' latest tick statuses: what `operator serve`
/// mounts, and what the console's own tests drive with a real monitor.
public struct TicketStoreConsoleSource<Statuses: ConsoleTickStatuses>: ConsolePageSource {
    /// A cluster the process watches, as configured.
    public struct WatchedCluster: Sendable, Equatable {
        public var name: String
        public var subject: String

        public init(name: String, subject: String) {
            self.name = name
            self.subject = subject
        }
    }

    public let store: any TicketStore
    public let watched: [WatchedCluster]
    public let statuses: Statuses
    /// The replicas' shared lease table, read for who watches each cluster; `nil` when not a replica.
    public let leases: (any LeaseStore)?

    public init(store: any TicketStore, watched: [WatchedCluster], statuses: Statuses, leases: (any LeaseStore)? = nil) {
        self.store = store
        self.watched = watched
        self.statuses = statuses
        self.leases = leases
    }

    public func clusters() async throws -> [ConsoleClusterSummary] {
        let now = Date()
        var holders: [String: String] = [:]
        if let leases {
            for lease in try await leases.leases() where lease.isLive(at: now) { holders[lease.name] = lease.holder }
        }
        var rows: [ConsoleClusterSummary] = []
        for cluster in watched {
            var row = try await summary(cluster)
            row.watchedBy = holders[LeaseName.cluster(cluster.name)]
            if row.state == .starting, let replica = row.watchedBy {
                row.note = "watched by replica \(replica); its ticks show on its own console"
            }
            rows.append(row)
        }
        return rows
    }

    public func recentIncidents(limit: Int) async throws -> [ConsoleIncidentSummary] {
        try await ClusterScope.newestIncidents(in: store, limit: limit).map {
            ConsoleIncidentSummary(cluster: ClusterScope.cluster(of: $0), incident: $0)
        }
    }

    public func incident(id: Int64) async throws -> ConsoleIncidentDetail? {
        guard let incident = try await store.incident(id: id) else { return nil }
        async let tickets = store.tickets(TicketFilter(incidentID: id))
        async let timeline = store.timeline(incidentID: id)
        return ConsoleIncidentDetail(
            cluster: ClusterScope.cluster(of: incident), incident: incident, tickets: try await tickets,
            timeline: try await timeline)
    }

    public func cluster(name: String) async throws -> ConsoleClusterDetail? {
        guard let cluster = watched.first(where: { $0.name == name }) else { return nil }
        let summary = try await summary(cluster)
        let open = try await ClusterScope.openTickets(in: store, cluster: cluster.name, subject: cluster.subject)
        guard let status = await statuses.tickStatus(ofCluster: cluster.name) else {
            return ConsoleClusterDetail(summary: summary, tick: nil, verdicts: [], openTickets: open)
        }
        return ConsoleClusterDetail(
            summary: summary, tick: status.tick, verdicts: Self.verdicts(status, openTickets: open), openTickets: open)
    }

    /// Evaluated invariants with an open ticket are violated, the rest hold; skipped ones say why.
    static func verdicts(_ status: ClusterTickStatus, openTickets: [Ticket]) -> [ConsoleInvariantVerdict] {
        let violated = Set(openTickets.map(\.invariant))
        var verdicts = status.evaluated.map { invariant in
            ConsoleInvariantVerdict(invariant: invariant, verdict: violated.contains(invariant) ? .violated : .evaluated)
        }
        verdicts += status.skipped.map { ConsoleInvariantVerdict(invariant: $0.key, verdict: .skipped, reason: $0.value) }
        // Violated first, then skipped (both need a look), then the ones that hold; by name within each.
        func rank(_ v: ConsoleInvariantVerdict.Verdict) -> Int { v == .violated ? 0 : v == .skipped ? 1 : 2 }
        return verdicts.sorted { (rank($0.verdict), $0.invariant) < (rank($1.verdict), $1.invariant) }
    }

    private func summary(_ cluster: WatchedCluster) async throws -> ConsoleClusterSummary {
        let open = try await ClusterScope.openIncidentCount(in: store, cluster: cluster.name, subject: cluster.subject)
        guard let status = await statuses.tickStatus(ofCluster: cluster.name) else {
            return ConsoleClusterSummary(
                name: cluster.name, subject: cluster.subject, state: .starting, openIncidents: open,
                note: "no tick has completed yet")
        }
        return ConsoleClusterSummary(
            name: cluster.name, subject: status.subject, state: ConsoleClusterState(status.state), openIncidents: open,
            lastTickAt: status.startedAt, lastTickDurationMs: status.durationMs,
            note: status.error ?? status.degradedReason ?? (status.violations > 0 ? "\(status.violations) violation(s)" : nil))
    }
}
