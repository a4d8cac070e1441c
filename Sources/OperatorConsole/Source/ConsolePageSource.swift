import Foundation
import OperatorCore

/// Where the console's pages get what they show. `operator serve` implements it over the ticket store and
/// the clusters' tick statuses; tests implement it over a real store too (see `TicketStoreConsoleSource`).
///
/// Every method answers for one moment; the console asks again on each page load. A source that cannot
/// answer throws: the page then says it could not be read (500), never shows an empty "all clear".
public protocol ConsolePageSource: Sendable {
    /// Every watched cluster, in the order the configuration lists them.
    func clusters() async throws -> [ConsoleClusterSummary]
    /// The newest incidents of every cluster, newest first, at most `limit`.
    func recentIncidents(limit: Int) async throws -> [ConsoleIncidentSummary]
    /// One incident with its member tickets and timeline; `nil` when no incident has this id.
    func incident(id: Int64) async throws -> ConsoleIncidentDetail?
    /// One cluster's latest tick verdicts and open tickets; `nil` when no cluster has this name.
    func cluster(name: String) async throws -> ConsoleClusterDetail?
}

/// What a cluster's latest tick concluded. `starting` until its monitor completed a tick: a cluster the
/// console has not heard from is never shown as healthy.
public enum ConsoleClusterState: String, Sendable, CaseIterable {
    case healthy, degraded, unobservable, starting
}

/// One row of the clusters table.
public struct ConsoleClusterSummary: Sendable, Equatable {
    public var name: String
    public var subject: String
    public var state: ConsoleClusterState
    public var openIncidents: Int
    /// Start of the latest completed tick; `nil` before the first.
    public var lastTickAt: Date?
    public var lastTickDurationMs: Int?
    /// Why it is not healthy: the tick's error or the degraded reason.
    public var note: String?
    /// The replica holding the cluster's lease (`operator serve` replicas); `nil` when none does or the
    /// server is not a replica.
    public var watchedBy: String?

    public init(
        name: String, subject: String, state: ConsoleClusterState, openIncidents: Int, lastTickAt: Date? = nil,
        lastTickDurationMs: Int? = nil, note: String? = nil, watchedBy: String? = nil
    ) {
        self.watchedBy = watchedBy
        self.name = name
        self.subject = subject
        self.state = state
        self.openIncidents = openIncidents
        self.lastTickAt = lastTickAt
        self.lastTickDurationMs = lastTickDurationMs
        self.note = note
    }
}

/// An incident in a list, with the cluster it belongs to.
public struct ConsoleIncidentSummary: Sendable, Equatable {
    public var cluster: String
    public var incident: Incident

    public init(cluster: String, incident: Incident) {
        self.cluster = cluster
        self.incident = incident
    }
}

/// Everything the incident page shows: the incident (with its latest diagnosis), its member tickets, its
/// timeline.
public struct ConsoleIncidentDetail: Sendable, Equatable {
    public var cluster: String
    public var incident: Incident
    public var tickets: [Ticket]
    public var timeline: [TimelineEvent]

    public init(cluster: String, incident: Incident, tickets: [Ticket], timeline: [TimelineEvent]) {
        self.cluster = cluster
        self.incident = incident
        self.tickets = tickets
        self.timeline = timeline
    }
}

/// One invariant's verdict on the latest tick.
public struct ConsoleInvariantVerdict: Sendable, Equatable {
    public enum Verdict: String, Sendable {
        /// Evaluated and holds.
        case evaluated
        /// Evaluated and violated (an open ticket names it).
        case violated
        /// Not evaluated this tick; `reason` says why.
        case skipped
    }

    public var invariant: String
    public var verdict: Verdict
    public var reason: String?

    public init(invariant: String, verdict: Verdict, reason: String? = nil) {
        self.invariant = invariant
        self.verdict = verdict
        self.reason = reason
    }
}

/// The cluster page: its summary, the latest tick's verdicts, its open tickets.
public struct ConsoleClusterDetail: Sendable, Equatable {
    public var summary: ConsoleClusterSummary
    /// Number of the latest tick; `nil` before the first.
    public var tick: Int?
    public var verdicts: [ConsoleInvariantVerdict]
    public var openTickets: [Ticket]

    public init(summary: ConsoleClusterSummary, tick: Int?, verdicts: [ConsoleInvariantVerdict], openTickets: [Ticket]) {
        self.summary = summary
        self.tick = tick
        self.verdicts = verdicts
        self.openTickets = openTickets
    }
}
