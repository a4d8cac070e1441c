import Foundation
import Logging
import ServiceLifecycle

/// The monitor loop: observe, evaluate every invariant, record the findings, repeat.
///
/// A ServiceLifecycle `Service`: run it in a `ServiceGroup`, which owns signals. On graceful shutdown the
/// loop stops at the next boundary — an in-flight observation is cancelled, a tick's database write is
/// one transaction that either lands whole or not at all.
public final class MonitorService<S: Subject>: Service {
    public let subject: S
    private let store: any TicketStore
    private let configuration: MonitorConfiguration
    private let logger: Logger
    private let metrics: MonitorMetrics
    private let redactor: Redactor
    private let latest: LatestSnapshot<S.Snapshot>?
    private let onTick: (@Sendable (TickReport) async -> Void)?
    /// Names the requests still running when an observation overruns the tick budget.
    private let pendingWork: (any PendingWorkTracker)?

    /// `pendingWork` lets a tick timeout name what it was waiting for; without it the timeout says only
    /// how long it waited.
    public init(
        subject: S, store: any TicketStore, configuration: MonitorConfiguration = MonitorConfiguration(),
        logger: Logger = Logger(label: "operator.monitor"), redactor: Redactor = .fromEnvironment(),
        latest: LatestSnapshot<S.Snapshot>? = nil, onTick: (@Sendable (TickReport) async -> Void)? = nil,
        pendingWork: (any PendingWorkTracker)? = nil
    ) {
        self.subject = subject
        self.store = store
        self.configuration = configuration
        self.logger = logger
        self.metrics = MonitorMetrics(subject: subject.name)
        self.redactor = redactor
        self.latest = latest
        self.onTick = onTick
        self.pendingWork = pendingWork
    }

    public func run() async throws {
        var tick = 0
        var failures = 0
        logger.info(
            "monitor started",
            metadata: ["subject": "\(subject.name)", "interval": "\(DurationText.format(configuration.interval))"])
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            tick += 1
            guard let report = await runTick(number: tick, consecutiveFailures: &failures) else { break }
            await onTick?(report)
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: report.nextDelay) }
            } catch {
                break  // graceful shutdown or cancellation between ticks
            }
        }
        logger.info("monitor stopped", metadata: ["subject": "\(subject.name)", "ticks": "\(tick)"])
    }

    /// Runs one tick. Returns `nil` only when shutdown interrupted the observation (nothing is recorded:
    /// an interrupted observation says nothing about the cluster).
    public func runTick(number: Int, consecutiveFailures: inout Int) async -> TickReport? {
        let clock = ContinuousClock()
        let start = clock.now
        let startedAt = Date()
        var findings: TickFindings
        var skipped: [String: String] = [:]
        var failure: String?

        do {
            let snapshot = try await observeWithTimeout()
            await latest?.update(snapshot)
            let evaluation = subject.evaluate(snapshot)
            skipped = evaluation.skipped
            var evaluated = evaluation.evaluated
            evaluated.insert(ObservationFailure.invariantID)  // observing worked: clears that ticket
            findings = TickFindings(
                subject: subject.name, at: startedAt, violations: evaluation.violations, evaluated: evaluated,
                causalLinks: subject.knowledge.causalLinks(among: evaluation.violations, in: snapshot))
            consecutiveFailures = 0
        } catch {
            if Task.isCancelled || Task.isShuttingDownGracefully { return nil }
            consecutiveFailures += 1
            metrics.observationFailures.increment()
            let message = redactor.redact("cannot observe \(subject.name): \(describe(error))")
            failure = message
            logger.warning("observation failed", metadata: ["error": "\(message)", "consecutive": "\(consecutiveFailures)"])
            let violation = Violation(
                invariant: ObservationFailure.invariantID, entity: .cluster, severity: .critical, message: message,
                excerpt: ["error": .string(message), "consecutive_failures": .number(Double(consecutiveFailures))])
            findings = TickFindings(
                subject: subject.name, at: startedAt, violations: [violation], evaluated: [ObservationFailure.invariantID])
        }

        var outcome: TickOutcome?
        do {
            outcome = try await store.record(findings, policy: configuration.policy)
        } catch {
            metrics.storeFailures.increment()
            let message = "cannot record tick \(number): \(describe(error))"
            failure = failure.map { "\($0); \(message)" } ?? message
            logger.error("recording failed", metadata: ["error": "\(message)"])
        }
        log(outcome)

        let duration = clock.now - start
        let openTickets = (try? await store.tickets(TicketFilter(statuses: [.created, .diagnosed], subject: subject.name)).count) ?? 0
        metrics.ticks.increment()
        metrics.tickDuration.recordNanoseconds(Int64(duration.seconds * 1e9))
        metrics.openTickets.record(openTickets)
        metrics.violations.record(findings.violations.count)
        do {
            try await store.recordHeartbeat(
                Heartbeat(
                    subject: subject.name, tick: number, startedAt: startedAt,
                    durationMs: Int((duration.seconds * 1000).rounded()), violations: findings.violations.count,
                    openTickets: openTickets, error: failure))
        } catch {
            logger.error("heartbeat not written", metadata: ["error": "\(describe(error))"])
        }
        return TickReport(
            tick: number, startedAt: startedAt, duration: duration, violations: findings.violations, skipped: skipped,
            outcome: outcome, error: failure,
            nextDelay: configuration.delay(after: duration, consecutiveFailures: consecutiveFailures))
    }

    private func observeWithTimeout() async throws -> S.Snapshot {
        let timeout = configuration.tickTimeout
        let subject = self.subject
        let pendingWork = self.pendingWork
        return try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: S.Snapshot?.self) { group in
                group.addTask {
                    guard let pendingWork else { return try await subject.observe() }
                    return try await pendingWork.track { try await subject.observe() }
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let snapshot = first else {
                    // Read before cancelling: cancelled requests leave the list.
                    throw ObservationTimeout(after: timeout, pending: pendingWork?.pending())
                }
                return snapshot
            }
        }
    }

    private func log(_ outcome: TickOutcome?) {
        guard let outcome else { return }
        for t in outcome.opened {
            logger.notice("ticket opened", metadata: ticketMetadata(t))
        }
        for t in outcome.reopened {
            logger.notice("ticket reopened", metadata: ticketMetadata(t))
        }
        for t in outcome.resolved {
            logger.notice("ticket resolved", metadata: ticketMetadata(t))
        }
    }

    private func ticketMetadata(_ t: Ticket) -> Logger.Metadata {
        [
            "ticket": "\(t.id)", "invariant": "\(t.invariant)", "entity": "\(t.entity)",
            "incident": "\(t.incidentID.map(String.init) ?? "-")", "message": "\(t.message)",
        ]
    }
}

/// The cluster did not answer within the tick budget.
public struct ObservationTimeout: Error, CustomStringConvertible {
    public let after: Duration
    /// What the observation was still waiting for, when a ``PendingWorkTracker`` could tell (`nil`: unknown).
    public let pending: [String]?

    public init(after: Duration, pending: [String]? = nil) {
        self.after = after
        self.pending = pending
    }

    public var description: String {
        let head = "observation did not finish within \(DurationText.format(after))"
        let advice = "the cluster or its endpoints are too slow or unreachable"
        guard let pending else { return "\(head); \(advice)" }
        guard !pending.isEmpty else { return "\(head) (no request was in flight: the time went to work between requests); \(advice)" }
        let shown = pending.prefix(5).joined(separator: "; ")
        let more = pending.count > 5 ? "; and \(pending.count - 5) more" : ""
        return "\(head); still waiting on \(shown)\(more); \(advice)"
    }
}

/// Error text for people: the error's own `description` (every error here names its input and the fix).
func describe(_ error: any Error) -> String {
    String(describing: error)
}
