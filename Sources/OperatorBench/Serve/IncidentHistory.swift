import Foundation
import OperatorCore

/// A ticket database with the history a long-running `operator serve` accumulates: thousands of incidents
/// spread over the watched clusters, most resolved, some open, a third of them with an effect ticket
/// grouped under the root, a quarter diagnosed. Written through `SQLiteTicketStore`'s own API (ticks of
/// many violations, the resolving ticks, stored diagnoses with their contexts), so every row, index and
/// timeline event is the one production writes.
struct IncidentHistory {
    struct Summary: Encodable, Sendable {
        var incidents: Int
        var openIncidents: Int
        var tickets: Int
        var diagnosed: Int
        var timelineEvents: Int
        var databaseBytes: Int?
        var seconds: Double
        /// The newest diagnosed incident: the one whose page is measured.
        var sampleIncidentID: Int64?

        enum CodingKeys: String, CodingKey {
            case incidents
            case openIncidents = "open_incidents"
            case tickets, diagnosed
            case timelineEvents = "timeline_events"
            case databaseBytes = "database_bytes"
            case seconds
            case sampleIncidentID = "sample_incident_id"
        }
    }

    /// Invariants of the watched subject and the entity kind each is about (the TiKV subject's ids).
    static let roots: [(invariant: String, kind: String, severity: Severity)] = [
        ("store-down", "store", .critical), ("store-low-space", "store", .warning), ("slow-store", "store", .warning),
        ("write-stall", "store", .critical), ("restart-loop", "store", .critical), ("store-isolated", "store", .critical),
    ]
    static let effect = (invariant: "raft-lag", kind: "region")

    var path: String
    var subject: String
    var clusters: [String]
    var incidents: Int
    /// Incidents left open in each cluster (the newest ones).
    var openPerCluster = 10
    /// Violations recorded per tick while writing the resolved history.
    var batch = 250
    var diagnosedEvery = 4
    var effectEvery = 3

    func write(progress: @Sendable (String) -> Void) async throws -> Summary {
        guard !clusters.isEmpty, incidents > 0 else { throw BenchmarkError.badInput("the history needs a cluster and at least one incident") }
        let clock = ContinuousClock()
        let start = clock.now
        let store = try SQLiteTicketStore(path: path)
        let policy = TicketPolicy(resolveAfterAbsentTicks: 1)
        let evaluated = Set(Self.roots.map(\.invariant) + [Self.effect.invariant])
        let open = min(incidents, openPerCluster * clusters.count)
        var next = 0
        var at = Date(timeIntervalSinceNow: -Double(incidents) * 60)
        var diagnosed = 0
        var sample: Int64?
        var tick = 0

        // Resolved history: a batch opens on one cluster, its violations clear on the cluster's next tick.
        while next < incidents - open {
            let count = min(batch, incidents - open - next)
            let cluster = clusters[tick % clusters.count]
            let outcome = try await store.record(findings(cluster: cluster, range: next..<(next + count), at: at, evaluated: evaluated), policy: policy)
            (diagnosed, sample) = try await diagnose(outcome, store: store, at: at.addingTimeInterval(5), diagnosed: diagnosed, sample: sample)
            at.addTimeInterval(Double(count) * 30)
            _ = try await store.record(TickFindings(subject: subject, at: at, violations: [], evaluated: evaluated, cluster: cluster), policy: policy)
            at.addTimeInterval(Double(count) * 30)
            next += count
            tick += 1
            if tick % 10 == 0 { progress("  \(BenchFormat.grouped(next)) of \(BenchFormat.grouped(incidents)) incidents written") }
        }
        // The open ones, newest: an equal share on every cluster.
        for (index, cluster) in clusters.enumerated() {
            let share = open / clusters.count + (index < open % clusters.count ? 1 : 0)
            guard share > 0 else { continue }
            let outcome = try await store.record(findings(cluster: cluster, range: next..<(next + share), at: at, evaluated: evaluated), policy: policy)
            (diagnosed, sample) = try await diagnose(outcome, store: store, at: at.addingTimeInterval(5), diagnosed: diagnosed, sample: sample)
            next += share
            at.addTimeInterval(60)
        }

        let all = try await store.incidentCount(IncidentFilter(includeMerged: true))
        let openCount = try await store.incidentCount(IncidentFilter(statuses: [.open, .diagnosed]))
        let tickets = try await store.tickets(.all).count
        let events = try await countEvents(store)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
        return Summary(
            incidents: all, openIncidents: openCount, tickets: tickets, diagnosed: diagnosed, timelineEvents: events, databaseBytes: size,
            seconds: (clock.now - start).seconds, sampleIncidentID: sample)
    }

    /// One tick's violations for incidents `range`: a root each, and an effect it explains on every
    /// `effectEvery`-th (so that incident has two member tickets).
    func findings(cluster: String, range: Range<Int>, at: Date, evaluated: Set<String>) -> TickFindings {
        var violations: [Violation] = []
        var links: [CausalLink] = []
        for n in range {
            let root = Self.roots[n % Self.roots.count]
            let entity = Entity(kind: root.kind, id: "\(n + 1)")
            violations.append(
                Violation(
                    invariant: root.invariant, entity: entity, severity: root.severity,
                    message: "\(root.kind) \(n + 1): \(root.invariant) on \(cluster) (state Down for 1m20s, last heartbeat 2m ago)",
                    excerpt: .object(["store_id": .number(Double(n + 1)), "state_name": .string("Down"), "address": .string("10.0.\(n % 250).\(n % 200):20160")])))
            if n % effectEvery == 0 {
                let effect = Entity(kind: Self.effect.kind, id: "\(n + 1)")
                violations.append(
                    Violation(
                        invariant: Self.effect.invariant, entity: effect, severity: .warning,
                        message: "region \(n + 1): a follower on \(entity) is 4,096 entries behind the leader",
                        excerpt: .object(["region_id": .number(Double(n + 1)), "lag": .number(4096)])))
                links.append(
                    CausalLink(
                        cause: ViolationKey(invariant: root.invariant, entity: entity), effect: ViolationKey(invariant: Self.effect.invariant, entity: effect),
                        reason: "a peer on \(entity) stopped applying"))
            }
        }
        return TickFindings(subject: subject, at: at, violations: violations, evaluated: evaluated, causalLinks: links, cluster: cluster)
    }

    /// Stores a diagnosis, with the context it was made from, on every `diagnosedEvery`-th incident opened.
    private func diagnose(_ outcome: TickOutcome, store: SQLiteTicketStore, at: Date, diagnosed: Int, sample: Int64?) async throws
        -> (Int, Int64?)
    {
        var diagnosed = diagnosed
        var sample = sample
        let byIncident = Dictionary(grouping: outcome.opened, by: { $0.incidentID ?? -1 })
        for id in outcome.incidentsOpened.sorted() where id % Int64(diagnosedEvery) == 0 {
            guard let members = byIncident[id], let root = members.first else { continue }
            let context = DiagnosisContext(
                subject: subject,
                incident: ContextIncident(id: id, rootEntity: root.entity, rootInvariant: root.invariant, title: root.message),
                tickets: members.map(ContextTicket.init), otherOpenTickets: [], taxonomy: [DiagnosisCategory("node-down", "a node stopped serving")],
                evidence: DiagnosisEvidence(
                    signals: [Signal("store.state", entity: root.entity, value: .string("Down"), source: "/pd/api/v1/stores", expected: "Up", id: "s1")],
                    notes: []),
                builtAt: at)
            let diagnosis = Diagnosis(
                summary: "\(root.entity) stopped serving; its regions elected leaders elsewhere",
                observation: "PD reports \(root.entity) Down since its last heartbeat",
                rootCause: Diagnosis.RootCause(category: "node-down", entity: root.entity, explanation: "the process on \(root.entity) is not running"),
                confidence: 0.9,
                evidence: [Diagnosis.Evidence(signal: "store.state", queryOrSource: "/pd/api/v1/stores", value: "Down", expected: "Up", id: "s1")],
                alternatives: [Diagnosis.Alternative(hypothesis: "network partition", rejectedBecause: "the other stores see no lost heartbeats")],
                recommendedActions: [Diagnosis.RecommendedAction(action: "restart the store's process", rationale: "it is not running", risk: "low")],
                diagnoser: "offline")
            try await store.recordDiagnosis(diagnosis, context: context, incidentID: id, at: at)
            diagnosed += 1
            sample = max(sample ?? id, id)
        }
        return (diagnosed, sample)
    }

    /// Timeline rows: every incident's, through the store (no side door into the file).
    private func countEvents(_ store: SQLiteTicketStore) async throws -> Int {
        var total = 0
        for incident in try await store.incidents(IncidentFilter(includeMerged: true)) {
            total += try await store.timeline(incidentID: incident.id).count
        }
        return total
    }
}
