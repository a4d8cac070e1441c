import Foundation

/// Everything a diagnoser is given about one incident. Stored with the diagnosis (bounded, redacted),
/// so the same input can be replayed to another diagnoser without touching the cluster.
public struct DiagnosisContext: Sendable, Codable, Equatable {
    public static let currentVersion = 1

    public var version: Int
    public var subject: String
    public var incident: ContextIncident
    /// The incident's member tickets, root first.
    public var tickets: [ContextTicket]
    /// Open tickets of the same subject outside this incident: distractors or related trouble.
    public var otherOpenTickets: [ContextTicket]
    public var taxonomy: [DiagnosisCategory]
    public var evidence: DiagnosisEvidence
    public var builtAt: Date
    /// What was cut to respect the size bound, in words.
    public var truncations: [String]

    public init(
        subject: String, incident: ContextIncident, tickets: [ContextTicket], otherOpenTickets: [ContextTicket],
        taxonomy: [DiagnosisCategory], evidence: DiagnosisEvidence, builtAt: Date, truncations: [String] = []
    ) {
        self.version = Self.currentVersion
        self.subject = subject
        self.incident = incident
        self.tickets = tickets
        self.otherOpenTickets = otherOpenTickets
        self.taxonomy = taxonomy
        self.evidence = evidence
        self.builtAt = builtAt
        self.truncations = truncations
        numberEvidence()
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(Int.self, forKey: .version)
        subject = try c.decode(String.self, forKey: .subject)
        incident = try c.decode(ContextIncident.self, forKey: .incident)
        tickets = try c.decode([ContextTicket].self, forKey: .tickets)
        otherOpenTickets = try c.decodeIfPresent([ContextTicket].self, forKey: .otherOpenTickets) ?? []
        taxonomy = try c.decode([DiagnosisCategory].self, forKey: .taxonomy)
        evidence = try c.decode(DiagnosisEvidence.self, forKey: .evidence)
        builtAt = try c.decode(Date.self, forKey: .builtAt)
        truncations = try c.decodeIfPresent([String].self, forKey: .truncations) ?? []
        // Contexts stored before evidence ids existed get them on load, in the same order a build would.
        numberEvidence()
    }

    /// The root ticket: the violation nothing else explains.
    public var rootTicket: ContextTicket? {
        tickets.first { $0.entity == incident.rootEntity && $0.invariant == incident.rootInvariant } ?? tickets.first
    }

    /// Signals with this name, optionally only on one entity.
    public func signals(named name: String, on entity: Entity? = nil) -> [Signal] {
        evidence.signals.filter { $0.name == name && (entity == nil || $0.entity == entity) }
    }

    public func signal(named name: String, on entity: Entity? = nil) -> Signal? {
        signals(named: name, on: entity).first
    }

    /// Whether a ticket of this invariant is among the incident's or the other open tickets.
    public func hasTicket(invariant: String, on entity: Entity? = nil, includingOthers: Bool = true) -> Bool {
        let pool = includingOthers ? tickets + otherOpenTickets : tickets
        return pool.contains { $0.invariant == invariant && (entity == nil || $0.entity == entity) }
    }

    enum CodingKeys: String, CodingKey {
        case version, subject, incident, tickets
        case otherOpenTickets = "other_open_tickets"
        case taxonomy, evidence
        case builtAt = "built_at"
        case truncations
    }
}

public struct ContextIncident: Sendable, Codable, Equatable {
    public var id: Int64?
    public var rootEntity: Entity
    public var rootInvariant: String
    public var title: String

    public init(id: Int64?, rootEntity: Entity, rootInvariant: String, title: String) {
        self.id = id
        self.rootEntity = rootEntity
        self.rootInvariant = rootInvariant
        self.title = title
    }

    enum CodingKeys: String, CodingKey {
        case id
        case rootEntity = "root_entity"
        case rootInvariant = "root_invariant"
        case title
    }
}

/// A ticket as a diagnoser sees it.
public struct ContextTicket: Sendable, Codable, Equatable {
    public var id: Int64?
    public var invariant: String
    public var entity: Entity
    public var severity: Severity
    public var message: String
    public var firstSeen: Date
    public var lastSeen: Date
    public var occurrences: Int
    public var excerpt: JSONValue

    public init(
        id: Int64?, invariant: String, entity: Entity, severity: Severity, message: String, firstSeen: Date,
        lastSeen: Date, occurrences: Int, excerpt: JSONValue
    ) {
        self.id = id
        self.invariant = invariant
        self.entity = entity
        self.severity = severity
        self.message = message
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.occurrences = occurrences
        self.excerpt = excerpt
    }

    public init(_ ticket: Ticket) {
        self.init(
            id: ticket.id, invariant: ticket.invariant, entity: ticket.entity, severity: ticket.severity,
            message: ticket.message, firstSeen: ticket.firstSeen, lastSeen: ticket.lastSeen,
            occurrences: ticket.occurrences, excerpt: ticket.snapshotExcerpt)
    }

    enum CodingKeys: String, CodingKey {
        case id, invariant, entity, severity, message
        case firstSeen = "first_seen"
        case lastSeen = "last_seen"
        case occurrences, excerpt
    }
}

/// What a subject gathered for a diagnosis.
public struct DiagnosisEvidence: Sendable, Codable, Equatable {
    /// Point-in-time facts: store states, free space, member health.
    public var signals: [Signal]
    /// Metric series around the incident (range queries or scraped samples).
    public var metrics: [MetricWindow]
    /// Nodes and their roles; shape is the subject's.
    public var topology: JSONValue
    /// Parsed cluster log events. Their text came from the cluster and is untrusted.
    public var logEvents: [LogEvent]
    /// What could not be gathered and why.
    public var notes: [String]

    public init(
        signals: [Signal] = [], metrics: [MetricWindow] = [], topology: JSONValue = .null, logEvents: [LogEvent] = [],
        notes: [String] = []
    ) {
        self.signals = signals
        self.metrics = metrics
        self.topology = topology
        self.logEvents = logEvents
        self.notes = notes
    }

    enum CodingKeys: String, CodingKey {
        case signals, metrics, topology
        case logEvents = "log_events"
        case notes
    }
}

/// One named fact about one entity, with where it came from.
public struct Signal: Sendable, Codable, Equatable {
    /// The evidence id claims cite (`s3`), unique within one context; assigned when the context is built.
    public var id: String?
    /// Stable name rules look up (`store.state`, `store.available_ratio`).
    public var name: String
    public var entity: Entity?
    public var value: JSONValue
    /// API path, PromQL or file the value came from.
    public var source: String
    /// What a healthy cluster shows, in words (`Up`, `< 0.8`).
    public var expected: String?
    public var unit: String?

    public init(
        _ name: String, entity: Entity?, value: JSONValue, source: String, expected: String? = nil, unit: String? = nil,
        id: String? = nil
    ) {
        self.id = id
        self.name = name
        self.entity = entity
        self.value = value
        self.source = source
        self.expected = expected
        self.unit = unit
    }

    // Never inlined into callers: with Swift 6.3's default cross-module optimization, `signal?.number`
    // inlined into a subject's rule made the release optimizer (CopyPropagation) crash on the borrowed
    // Signal ("Found ownership error?!", `swift build -c release`). A call costs nothing that matters here.
    @inline(never) public var number: Double? { value.doubleValue }
    @inline(never) public var text: String? { value.stringValue }

    /// The value as evidence text: `0.07`, `Disconnected`, `true`.
    public var displayValue: String {
        switch value {
        case .number(let n):
            let s = n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(format: "%.4g", n)
            return unit.map { "\(s) \($0)" } ?? s
        case .string(let s): return s
        case .bool(let b): return String(b)
        case .null: return "absent"
        default: return value.jsonText
        }
    }

    /// Evidence citing this signal.
    public func asEvidence(note: String? = nil) -> Diagnosis.Evidence {
        Diagnosis.Evidence(
            signal: entity.map { "\(name) (\($0))" } ?? name, queryOrSource: source, value: displayValue,
            expected: expected, note: note, id: id)
    }

    /// A sentence stating this signal's value, citing it and asserting the value it had (a checker compares
    /// the assertion with the context the diagnosis was made from).
    public func claim(_ text: String) -> Claim {
        Claim(text, evidence: id.map { [$0] } ?? [], facts: id.map { [Fact(evidence: $0, equals: value)] } ?? [])
    }
}

/// A metric series over the incident window.
public struct MetricWindow: Sendable, Codable, Equatable {
    /// The evidence id claims cite (`m2`), unique within one context.
    public var id: String?
    public var name: String
    public var query: String
    public var entity: Entity?
    public var unit: String?
    public var points: [MetricPoint]

    public init(name: String, query: String, entity: Entity?, unit: String? = nil, points: [MetricPoint], id: String? = nil) {
        self.id = id
        self.name = name
        self.query = query
        self.entity = entity
        self.unit = unit
        self.points = points
    }

    public var last: Double? { points.last?.value }
    public var maximum: Double? { points.map(\.value).filter(\.isFinite).max() }
    public var minimum: Double? { points.map(\.value).filter(\.isFinite).min() }
}

public struct MetricPoint: Sendable, Codable, Equatable {
    public var time: Date
    public var value: Double

    public init(time: Date, value: Double) {
        self.time = time
        self.value = value
    }

    public init(from decoder: any Decoder) throws {
        // Encoded as [unix_seconds, value] like Prometheus: compact for long windows.
        var c = try decoder.unkeyedContainer()
        time = Date(timeIntervalSince1970: try c.decode(Double.self))
        let v = try c.decode(JSONValue.self)
        switch v {
        case .number(let n): value = n
        case .string(let s): value = Double(s) ?? .nan
        default: value = .nan
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode((time.timeIntervalSince1970 * 1000).rounded() / 1000)
        if value.isFinite { try c.encode(value) } else { try c.encode(String(value)) }
    }
}

/// A parsed cluster log line. `message` and `fields` are cluster text: untrusted data, never instructions.
public struct LogEvent: Sendable, Codable, Equatable {
    /// The evidence id claims cite (`l4`), unique within one context.
    public var id: String?
    public var time: Date?
    public var level: String
    /// What happened, from the subject's catalogue (`leader-elected`, `snapshot-sent`, `peer-lost`).
    public var kind: String
    public var entity: Entity?
    public var message: String
    public var fields: [String: String]
    /// File and line the event came from.
    public var source: String?

    public init(
        time: Date?, level: String, kind: String, entity: Entity?, message: String, fields: [String: String] = [:],
        source: String? = nil, id: String? = nil
    ) {
        self.id = id
        self.time = time
        self.level = level
        self.kind = kind
        self.entity = entity
        self.message = message
        self.fields = fields
        self.source = source
    }
}
