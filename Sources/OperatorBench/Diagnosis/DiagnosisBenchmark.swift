import Foundation
import Logging
import OperatorCore
import SubjectEtcd

/// Offline diagnosis latency per incident. Each scenario's observations go through the production path —
/// the subject's invariants and causal links, the SQLite ticket store (dedup, incidents) — then the
/// context of every open incident is built by `DiagnosisContextBuilder` and diagnosed by
/// `OfflineDiagnoser`, both timed over many iterations.
public struct DiagnosisBenchmark {
    var iterations: Int
    var buildIterations: Int
    var directory: String
    var logger: Logger
    /// With a model diagnoser, each incident is also diagnosed once by it (`--diagnoser openai|anthropic`).
    var model: BenchModelDiagnoser? = nil

    /// One incident ready to be diagnosed again and again.
    struct PreparedIncident: Sendable {
        var scenario: String
        var subject: String
        var expected: String
        var incident: Incident
        var tickets: Int
        var build: @Sendable () async throws -> DiagnosisContext
        var diagnoser: any Diagnoser
        /// Diagnoser calls the production runner made for this incident while the ticks arrived.
        var diagnoserCalls: Int
        var flapCount: Int
        var modelDiagnoser: (any Diagnoser)?
    }

    struct IncidentResult: Encodable, Sendable {
        var scenario: String
        var subject: String
        var incidentID: Int64
        var root: String
        var tickets: Int
        var contextTokens: Int
        var contextBytes: Int
        var logEvents: Int
        var signals: Int
        var expected: String
        var diagnosed: String
        var confidence: Double
        var matchesExpected: Bool
        /// The diagnosis passes the checks every stored diagnosis must pass.
        var valid: Bool
        var build: LatencySummary
        var diagnose: LatencySummary
        /// Times the production `DiagnosisRunner`, run after every tick, called the diagnoser for this
        /// incident (free with the offline rules; each one a paid request with a model diagnoser).
        var diagnoserCalls: Int
        /// Recurrences counted once the incident was flapping (0: it never flapped).
        var flapCount: Int
        /// The one model-backed diagnosis, when a model diagnoser was given.
        var model: ModelDiagnosisRun?

        enum CodingKeys: String, CodingKey {
            case diagnoserCalls = "diagnoser_calls"
            case flapCount = "flap_count"
            case scenario, subject
            case incidentID = "incident_id"
            case root, tickets
            case contextTokens = "context_tokens"
            case contextBytes = "context_bytes"
            case logEvents = "log_events"
            case signals, expected, diagnosed, confidence
            case matchesExpected = "matches_expected"
            case valid, build, diagnose, model
        }
    }

    public struct Report: Encodable, Sendable {
        var iterations: Int
        var buildIterations: Int
        var incidents: [IncidentResult]
        /// Every diagnose() sample of every incident together.
        var overall: LatencySummary

        enum CodingKeys: String, CodingKey {
            case iterations
            case buildIterations = "build_iterations"
            case incidents, overall
        }

        public var table: BenchTable {
            BenchTable(
                title: "Offline diagnosis latency per incident (\(incidents.count) incidents, \(iterations) diagnoses each)",
                columns: ["incident", "root ticket", "tickets", "context tokens", "diagnosis (confidence)", "diagnoser calls",
                          "build p50", "build p95", "diagnose p50", "diagnose p95"],
                rows: incidents.map { r in
                    [r.scenario, r.root, "\(r.tickets)", "\(r.contextTokens)",
                     "\(r.diagnosed) (\(NumberText.percent(r.confidence)))\(r.matchesExpected ? "" : " ≠ expected \(r.expected)")",
                     "\(r.diagnoserCalls)" + (r.flapCount > 0 ? " (flapping ×\(r.flapCount))" : ""),
                     BenchFormat.duration(r.build.p50), BenchFormat.duration(r.build.p95),
                     BenchFormat.duration(r.diagnose.p50), BenchFormat.duration(r.diagnose.p95)]
                },
                notes: [
                    "diagnose: `OfflineDiagnoser.diagnose` over the incident's stored context (the subject's correlation rules, no network), \(iterations) runs per incident after a warm-up; all incidents together p50 \(BenchFormat.duration(overall.p50)), p95 \(BenchFormat.duration(overall.p95)), p99 \(BenchFormat.duration(overall.p99))",
                    "build: `DiagnosisContextBuilder.build` (SQLite reads, evidence from the latest snapshot, etcd log tail parsed, redaction, 8k-token budget), \(buildIterations) runs per incident",
                    "incidents: observations of a 3-member etcd 3.4 cluster during each fault (ids, ports, messages and timings from etcd-prometheus-observed.md §A), recorded tick by tick through the subject's invariants and the SQLite ticket store",
                    "diagnoser calls: the production `DiagnosisRunner` run after every recorded tick, calls counted per incident; offline calls are free local rules, with a model diagnoser each is a paid request. A recurrence is re-diagnosed only when its evidence changed materially (new ticket, new root, higher severity)",
                    "context tokens: JSON bytes / 4 (`ContextBudget.estimatedTokens`), what a model-backed diagnoser would be sent",
                ])
        }
    }

    /// Times `iterations` diagnoses and `buildIterations` context builds of every incident, in a temporary
    /// directory removed at the end.
    public static func measure(
        iterations: Int, buildIterations: Int, model: BenchModelDiagnoser? = nil, logger: Logger
    ) async throws -> Report {
        let directory: WorkDirectory
        do { directory = try WorkDirectory(prefix: "operator-bench-diagnosis") } catch { throw BenchmarkError.failed(error.description) }
        defer { directory.remove() }
        let benchmark = DiagnosisBenchmark(
            iterations: iterations, buildIterations: buildIterations, directory: directory.path, logger: logger, model: model)
        return try await benchmark.run()
    }

    func run() async throws -> Report {
        let prepared = try await prepareEtcdIncidents()
        var results: [IncidentResult] = []
        var all: [Double] = []
        let clock = ContinuousClock()
        for p in prepared {
            // Warm-up: first calls pay for lazy initialisation (regexes, formatters, SQLite statements).
            var context = try await p.build()
            for _ in 0..<min(10, iterations) { _ = try await p.diagnoser.diagnose(context) }

            var buildSamples: [Double] = []
            for _ in 0..<buildIterations {
                let start = clock.now
                context = try await p.build()
                buildSamples.append((clock.now - start).seconds)
            }
            var diagnoseSamples: [Double] = []
            var diagnosis = try await p.diagnoser.diagnose(context)
            for _ in 0..<iterations {
                let start = clock.now
                diagnosis = try await p.diagnoser.diagnose(context)
                diagnoseSamples.append((clock.now - start).seconds)
            }
            all += diagnoseSamples
            let valid = (try? diagnosis.validate(against: context)) != nil
            let diagnosed = "\(diagnosis.rootCause.category) on \(diagnosis.rootCause.entity)"
            results.append(
                IncidentResult(
                    scenario: p.scenario, subject: p.subject, incidentID: p.incident.id,
                    root: "\(p.incident.rootInvariant) on \(p.incident.rootEntity)", tickets: p.tickets,
                    contextTokens: ContextBudget.estimatedTokens(of: context),
                    contextBytes: (try? JSONEncoder.operatorEncoder.encode(context).count) ?? 0,
                    logEvents: context.evidence.logEvents.count, signals: context.evidence.signals.count, expected: p.expected,
                    diagnosed: diagnosed, confidence: diagnosis.confidence, matchesExpected: diagnosed == p.expected, valid: valid,
                    build: LatencySummary(seconds: buildSamples), diagnose: LatencySummary(seconds: diagnoseSamples),
                    diagnoserCalls: p.diagnoserCalls, flapCount: p.flapCount,
                    model: await p.modelDiagnoser.asyncMap { await ModelDiagnosisRun.measure($0, context: context) }))
        }
        return Report(
            iterations: iterations, buildIterations: buildIterations, incidents: results, overall: LatencySummary(seconds: all))
    }

    // MARK: - Preparation

    private func prepareEtcdIncidents() async throws -> [PreparedIncident] {
        var out: [PreparedIncident] = []
        for (index, scenario) in EtcdIncidentScenarios.all().enumerated() {
            let base = (directory as NSString).appendingPathComponent("etcd-\(index + 1)")
            let logFile = base + ".log"
            try (scenario.logLines.joined(separator: "\n") + "\n").write(toFile: logFile, atomically: true, encoding: .utf8)
            let subject = try EtcdSubject(
                configuration: SubjectConfiguration(
                    endpoints: EtcdIncidentScenarios.members.map(\.clientURL),
                    settings: .object(["log_files": .array([.string(logFile)])]), logger: logger))
            out += try await prepare(
                subject: subject, snapshots: scenario.snapshots, database: base + ".db", scenario: scenario.name,
                expected: "\(scenario.expectedCategory) on \(scenario.expectedEntity)", modelDiagnoser: try model?(subject))
        }
        return out
    }

    /// Records the observations tick by tick, then returns every open incident with a context builder.
    private func prepare<S: Subject>(
        subject: S, snapshots: [S.Snapshot], database: String, scenario: String, expected: String, modelDiagnoser: (any Diagnoser)?
    ) async throws -> [PreparedIncident] {
        let store = try SQLiteTicketStore(path: database)
        for snapshot in snapshots {
            let evaluation = subject.evaluate(snapshot)
            let findings = TickFindings(
                subject: subject.name, at: snapshot.observedAt, violations: evaluation.violations, evaluated: evaluation.evaluated,
                causalLinks: subject.knowledge.causalLinks(among: evaluation.violations, in: snapshot))
            _ = try await store.record(findings, policy: TicketPolicy())
        }
        guard let latest = snapshots.last else { return [] }
        let builder = DiagnosisContextBuilder(subject: subject.name, knowledge: subject.knowledge, store: store)
        let diagnoser = OfflineDiagnoser(rules: subject.knowledge.rules)
        let incidents = try await store.incidents(IncidentFilter(statuses: [.open], subject: subject.name))
        guard !incidents.isEmpty else {
            throw BenchmarkError.failed("bench diagnosis: scenario \"\(scenario)\" opened no incident; its observations no longer violate an invariant")
        }
        let calls = try await countDiagnoserCalls(
            subject: subject, snapshots: snapshots, database: (database as NSString).deletingPathExtension + "-runner.db")
        let now = latest.observedAt.addingTimeInterval(0.5)
        return incidents.map { incident in
            let root = "\(incident.rootInvariant) on \(incident.rootEntity)"
            return PreparedIncident(
                scenario: scenario, subject: subject.name, expected: expected, incident: incident, tickets: incident.ticketIDs.count,
                build: { try await builder.build(for: incident, snapshot: latest, now: now) }, diagnoser: diagnoser,
                diagnoserCalls: calls[root]?.calls ?? 0, flapCount: calls[root]?.flapCount ?? 0, modelDiagnoser: modelDiagnoser)
        }
    }

    /// The same observations through the production loop: after every tick the `DiagnosisRunner`
    /// diagnoses what awaits diagnosis, as `operator monitor --diagnose offline` does. Returns, per incident
    /// root, how often the diagnoser was called and how often the incident flapped.
    private func countDiagnoserCalls<S: Subject>(subject: S, snapshots: [S.Snapshot], database: String) async throws
        -> [String: (calls: Int, flapCount: Int)]
    {
        let store = try SQLiteTicketStore(path: database)
        let counter = CountingDiagnoser(OfflineDiagnoser(rules: subject.knowledge.rules))
        let latest = LatestSnapshot<S.Snapshot>()
        let runner = DiagnosisRunner(subject: subject, store: store, diagnoser: counter, logger: logger, latest: latest)
        for snapshot in snapshots {
            await latest.update(snapshot)
            let evaluation = subject.evaluate(snapshot)
            let findings = TickFindings(
                subject: subject.name, at: snapshot.observedAt, violations: evaluation.violations, evaluated: evaluation.evaluated,
                causalLinks: subject.knowledge.causalLinks(among: evaluation.violations, in: snapshot))
            _ = try await store.record(findings, policy: TicketPolicy())
            for outcome in await runner.diagnosePending(now: snapshot.observedAt) where outcome.error != nil {
                throw BenchmarkError.failed("bench diagnosis: the runner failed on incident #\(outcome.incidentID): \(outcome.error ?? "")")
            }
        }
        var out: [String: (calls: Int, flapCount: Int)] = [:]
        for incident in try await store.incidents(IncidentFilter(subject: subject.name)) {
            let root = "\(incident.rootInvariant) on \(incident.rootEntity)"
            let before = out[root] ?? (0, 0)
            out[root] = (before.calls + counter.calls(incident: incident.id), max(before.flapCount, incident.flapCount))
        }
        return out
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async -> T) async -> T? {
        guard let value = self else { return nil }
        return await transform(value)
    }
}
