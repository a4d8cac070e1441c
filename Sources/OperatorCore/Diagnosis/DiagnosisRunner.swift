import Foundation
import Logging
import ServiceLifecycle

/// The agent runner: picks up incidents awaiting diagnosis, builds their context, asks the diagnoser,
/// validates the answer and stores it with the context. A failure is recorded on the incident (its
/// tickets stay `created`) and retried later with backoff; nothing is lost.
public final class DiagnosisRunner<S: Subject>: Service {
    public struct Configuration: Sendable {
        /// How often `run()` looks for new work.
        public var pollInterval: Duration
        /// Incidents diagnosed at once.
        public var concurrency: Int
        /// How long a claim keeps other runners off an incident.
        public var lease: Duration
        /// First retry delay after a failure; doubles per attempt up to `maxRetryDelay`.
        public var retryDelay: Duration
        public var maxRetryDelay: Duration
        public var budget: ContextBudget
        /// The cluster whose incidents this runner claims: one runner per cluster shares a database, each
        /// diagnosing with its own cluster's subject and latest snapshot.
        public var cluster: String

        public init(
            pollInterval: Duration = .seconds(1), concurrency: Int = 2, lease: Duration = .seconds(300),
            retryDelay: Duration = .seconds(15), maxRetryDelay: Duration = .seconds(900),
            budget: ContextBudget = ContextBudget(), cluster: String = ClusterName.default
        ) {
            self.cluster = cluster
            self.pollInterval = pollInterval
            self.concurrency = max(1, concurrency)
            self.lease = lease
            self.retryDelay = retryDelay
            self.maxRetryDelay = maxRetryDelay
            self.budget = budget
        }
    }

    /// What happened to one incident.
    public struct Outcome: Sendable {
        public var incidentID: Int64
        /// The incident's cluster.
        public var cluster: String = ClusterName.default
        /// The new diagnosis; `nil` when it failed or was skipped.
        public var diagnosis: Diagnosis?
        public var error: String?
        public var context: DiagnosisContext?
        /// Why the diagnoser was not asked again: the incident's evidence had not changed materially.
        public var skipped: String?
    }

    private let subject: S
    private let store: any TicketStore
    private let diagnoser: any Diagnoser
    private let configuration: Configuration
    private let logger: Logger
    private let redactor: Redactor
    private let latest: LatestSnapshot<S.Snapshot>?
    private let onOutcome: (@Sendable (Outcome) async -> Void)?

    public init(
        subject: S, store: any TicketStore, diagnoser: any Diagnoser, configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "operator.diagnosis"), redactor: Redactor = .fromEnvironment(),
        latest: LatestSnapshot<S.Snapshot>? = nil, onOutcome: (@Sendable (Outcome) async -> Void)? = nil
    ) {
        self.subject = subject
        self.store = store
        self.diagnoser = diagnoser
        self.configuration = configuration
        self.logger = logger
        self.redactor = redactor
        self.latest = latest
        self.onOutcome = onOutcome
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            _ = await diagnosePending()
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.configuration.pollInterval) }
            } catch {
                break
            }
        }
    }

    /// Diagnoses every incident awaiting diagnosis now (up to the concurrency limit per round) and returns.
    @discardableResult
    public func diagnosePending(now: Date = Date()) async -> [Outcome] {
        let claimed: [Incident]
        do {
            claimed = try await store.claimIncidentsForDiagnosis(
                ids: nil, cluster: configuration.cluster, limit: configuration.concurrency, lease: configuration.lease,
                now: now)
        } catch {
            logger.error("cannot claim incidents", metadata: ["cluster": "\(configuration.cluster)", "error": "\(error)"])
            return []
        }
        return await diagnose(claimed, damped: true)
    }

    /// Diagnoses these incidents whatever their status (`operator diagnose --incident N`).
    public func diagnose(incidentIDs: [Int64], now: Date = Date()) async throws -> [Outcome] {
        let claimed = try await store.claimIncidentsForDiagnosis(
            ids: incidentIDs, limit: incidentIDs.count, lease: configuration.lease, now: now)
        let missing = Set(incidentIDs).subtracting(claimed.map(\.id))
        if let id = missing.sorted().first {
            throw NotFoundError(what: "incident", id: id, path: "the ticket database")
        }
        return await diagnose(claimed, damped: false)
    }

    /// `damped`: an incident that already has a diagnosis is diagnosed again only when its evidence
    /// changed materially (`EvidenceChange`); an explicit request always asks the diagnoser.
    private func diagnose(_ incidents: [Incident], damped: Bool) async -> [Outcome] {
        await withTaskGroup(of: Outcome.self) { group in
            var running = 0
            var iterator = incidents.makeIterator()
            var results: [Outcome] = []
            while running < configuration.concurrency, let next = iterator.next() {
                group.addTask { await self.diagnoseOne(next, damped: damped) }
                running += 1
            }
            while let done = await group.next() {
                results.append(done)
                await onOutcome?(done)
                if let next = iterator.next() { group.addTask { await self.diagnoseOne(next, damped: damped) } }
            }
            return results.sorted { $0.incidentID < $1.incidentID }
        }
    }

    private func diagnoseOne(_ incident: Incident, damped: Bool) async -> Outcome {
        let builder = DiagnosisContextBuilder(
            subject: subject.name, knowledge: subject.knowledge, store: store, redactor: redactor,
            budget: configuration.budget)
        var context: DiagnosisContext?
        do {
            let built = try await builder.build(for: incident, snapshot: await latest?.value)
            context = built
            var reason: String?
            if incident.diagnosis != nil, let previous = try await store.diagnosisContext(incidentID: incident.id) {
                let change = EvidenceChange(since: previous, now: built, fingerprint: subject.knowledge.evidenceFingerprint)
                if damped && !change.isMaterial {
                    let why = "re-diagnosis skipped: evidence unchanged since the diagnosis at \(Timestamp.format(previous.builtAt)) (\(change.unchanged))"
                    try await store.recordDiagnosisSkipped(why, context: built, incidentID: incident.id, at: Date())
                    logger.info("re-diagnosis skipped", metadata: ["incident": "\(incident.id)", "reason": "\(change.unchanged)"])
                    return Outcome(incidentID: incident.id, cluster: incident.cluster, diagnosis: nil, error: nil, context: built, skipped: why)
                }
                reason = change.isMaterial ? "evidence changed: " + change.reasons.joined(separator: "; ") : "requested"
            }
            var diagnosis = try await diagnoser.diagnose(built)
            diagnosis.diagnoser = diagnoser.name
            try diagnosis.validate(against: built)
            // Rules must never state what the context does not show; a model's unsupported claims are listed.
            try diagnosis.audit(against: built, strict: diagnosis.diagnoser == "offline")
            try await store.recordDiagnosis(diagnosis, context: built, incidentID: incident.id, at: Date(), reason: reason)
            logger.notice(
                "incident diagnosed",
                metadata: [
                    "cluster": "\(incident.cluster)", "incident": "\(incident.id)",
                    "category": "\(diagnosis.rootCause.category)",
                    "entity": "\(diagnosis.rootCause.entity)", "diagnoser": "\(diagnoser.name)",
                    "evidence": "\(Set(diagnosis.claims.flatMap(\.evidence)).sorted().joined(separator: ","))",
                    "unsupported_claims": "\(diagnosis.unsupportedClaims.count)",
                ])
            return Outcome(incidentID: incident.id, cluster: incident.cluster, diagnosis: diagnosis, error: nil, context: built)
        } catch {
            let message = redactor.redact("\(diagnoser.name) diagnosis failed: \(String(describing: error))")
            let attempts = incident.diagnosisAttempts
            let delay = min(configuration.retryDelay * (1 << min(attempts, 10)), configuration.maxRetryDelay)
            do {
                try await store.recordDiagnosisFailure(
                    message, incidentID: incident.id, at: Date(), retryAt: Date().addingTimeInterval(delay.seconds))
            } catch {
                logger.error("cannot record diagnosis failure", metadata: ["error": "\(error)"])
            }
            logger.warning("diagnosis failed", metadata: ["incident": "\(incident.id)", "error": "\(message)"])
            return Outcome(incidentID: incident.id, cluster: incident.cluster, diagnosis: nil, error: message, context: context)
        }
    }
}
