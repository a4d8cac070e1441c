import Foundation
import OperatorCore

/// `GET /api/v1/clusters`: one cluster and its last tick (from the monitor's `ClusterStatusBoard`).
struct ClusterView: Encodable, Sendable {
    enum State: String, Encodable, Sendable, CaseIterable {
        /// Every critical invariant gave a verdict and none is violated.
        case healthy
        /// Violations, or part of the cluster could not be seen.
        case degraded
        /// The last tick could not observe the cluster at all.
        case unobservable
        /// No tick has completed yet.
        case pending
    }

    var name: String
    var subject: String
    var state: State
    var lastTickAt: Date?
    var lastTickDurationMs: Int?
    var ticks: Int
    var evaluated: [String]
    var skipped: [String: String]
    var violations: Int
    var error: String?
    var degraded: String?
    var openIncidents: Int
    /// The replica holding the cluster's lease and until when; `nil` when no live lease (nobody watches
    /// it right now, or the server is not a replica).
    var watchedBy: Watcher?

    struct Watcher: Encodable, Sendable {
        var replica: String
        var expiresAt: Date

        enum CodingKeys: String, CodingKey {
            case replica
            case expiresAt = "expires_at"
        }
    }

    init(cluster: ServedCluster, tick: ClusterTickStatus?, openIncidents: Int, watchedBy: Watcher? = nil) {
        name = cluster.name
        subject = cluster.subject
        state = tick.map { State(rawValue: $0.state.rawValue) ?? .degraded } ?? .pending
        lastTickAt = tick?.startedAt
        lastTickDurationMs = tick?.durationMs
        ticks = tick?.tick ?? 0
        evaluated = tick?.evaluated ?? []
        skipped = tick?.skipped ?? [:]
        violations = tick?.violations ?? 0
        error = tick?.error
        degraded = tick?.degradedReason
        self.openIncidents = openIncidents
        self.watchedBy = watchedBy
    }

    enum CodingKeys: String, CodingKey {
        case name, subject, state
        case lastTickAt = "last_tick_at"
        case lastTickDurationMs = "last_tick_duration_ms"
        case ticks, evaluated, skipped, violations, error, degraded
        case openIncidents = "open_incidents"
        case watchedBy = "watched_by"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(subject, forKey: .subject)
        try c.encode(state, forKey: .state)
        try c.encode(lastTickAt, forKey: .lastTickAt)
        try c.encode(lastTickDurationMs, forKey: .lastTickDurationMs)
        try c.encode(ticks, forKey: .ticks)
        try c.encode(evaluated, forKey: .evaluated)
        try c.encode(skipped, forKey: .skipped)
        try c.encode(violations, forKey: .violations)
        try c.encode(error, forKey: .error)
        try c.encode(degraded, forKey: .degraded)
        try c.encode(openIncidents, forKey: .openIncidents)
        try c.encode(watchedBy, forKey: .watchedBy)
    }
}

/// `GET /api/v1/incidents/{id}`: the incident (as `operator incidents show --json`), its latest
/// diagnosis and the size of the context that diagnosis was made from.
struct IncidentDetail: Encodable, Sendable {
    var incident: Incident
    var tickets: [Ticket]
    var timeline: [TimelineEvent]
    var diagnosis: Diagnosis?
    var contextSize: ContextSize?

    struct ContextSize: Encodable, Sendable {
        var bytes: Int
        var estimatedTokens: Int

        enum CodingKeys: String, CodingKey {
            case bytes
            case estimatedTokens = "estimated_tokens"
        }
    }

    enum CodingKeys: String, CodingKey {
        case incident, tickets, timeline, diagnosis
        case contextSize = "context_size"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(incident, forKey: .incident)
        try c.encode(tickets, forKey: .tickets)
        try c.encode(timeline, forKey: .timeline)
        try c.encode(diagnosis, forKey: .diagnosis)
        try c.encode(contextSize, forKey: .contextSize)
    }
}

/// `GET /api/v1/tickets/{id}`: the ticket (as `operator tickets show --json`) and its timeline.
struct TicketDetail: Encodable, Sendable {
    var ticket: Ticket
    var timeline: [TimelineEvent]
}

/// `GET /readyz` when ready, `GET /healthz`: the configured clusters, this replica's name (`nil` when the
/// server is not a replica) and the clusters whose monitors run in this process.
struct StatusBody: Encodable, Sendable {
    var status: String
    var clusters: [String]
    var replica: String?
    var watching: [String]

    enum CodingKeys: String, CodingKey {
        case status, clusters, replica, watching
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(status, forKey: .status)
        try c.encode(clusters, forKey: .clusters)
        try c.encode(replica, forKey: .replica)
        try c.encode(watching, forKey: .watching)
    }
}
