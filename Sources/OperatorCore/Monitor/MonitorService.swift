import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// The monitor loop: observe, evaluate every invariant, record the findings, repeat.
///
/// A ServiceLifecycle `Service`: run it in a `ServiceGroup`, which owns signals. On graceful shutdown the
/// loop stops at the next boundary — an in-flight observation is cancelled, a tick's database write is
/// one transaction that either lands whole or not at all.
///
/// Never "healthy" when blind: a tick that observed the cluster but could not evaluate a critical invariant,
/// or lost a data source, logs a warning and notes why in its heartbeat; `degradedAfter` such ticks in a row
/// open an `observation-degraded` ticket naming the failing sources. A tick the database refuses (a full
/// disk) is kept in memory and retried in order on later ticks, with its own observation time.
public final class MonitorService<S: Subject>: Service {
    public let subject: S
    private let store: any TicketStore
    private let configuration: MonitorConfiguration
    private let logger: Logger
    private let metrics: MonitorMetrics
    private let redactor: Redactor
    private let latest: LatestSnapshot<S.Snapshot>?
    private let onTick: (@Sendable (TickReport) async -> Void)?
    private let pending: PendingTickWrites
    private let sight = Mutex(Sight())
    /// Names the requests still running when an observation overruns the tick budget.
    private let pendingWork: (any PendingWorkTracker)?
    /// Where each tick's `ClusterTickStatus` is published, when something (the API) reads it.
    private let board: ClusterStatusBoard?
    /// Asked before each write when replicas share the cluster (`TickWriteFence`).
    private let fence: (any TickWriteFence)?

    /// The configured cluster this monitor watches (`MonitorConfiguration.cluster`).
    public var cluster: String { configuration.cluster }

    /// `pendingWork` lets a tick timeout name what it was waiting for; without it the timeout says only
    /// how long it waited.
    public init(
        subject: S, store: any TicketStore, configuration: MonitorConfiguration = MonitorConfiguration(),
        logger: Logger = Logger(label: "operator.monitor"), redactor: Redactor = .fromEnvironment(),
        latest: LatestSnapshot<S.Snapshot>? = nil, metricsFactory: (any MetricsFactory)? = nil,
        onTick: (@Sendable (TickReport) async -> Void)? = nil, pendingWork: (any PendingWorkTracker)? = nil,
        board: ClusterStatusBoard? = nil, fence: (any TickWriteFence)? = nil
    ) {
        self.board = board
        self.fence = fence
        self.subject = subject
        self.store = store
        self.configuration = configuration
        self.logger = logger
        self.metrics = MonitorMetrics(subject: subject.name, cluster: configuration.cluster, factory: metricsFactory)
        self.pending = PendingTickWrites(limit: configuration.pendingWriteLimit)
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
            metadata: [
                "cluster": "\(configuration.cluster)", "subject": "\(subject.name)", "interval": "\(DurationText.format(configuration.interval))"])
        let inbox = SignalInbox()
        let watcher = startLivenessWatch(into: inbox)
        defer { watcher?.cancel() }
        var trigger = TickTrigger.schedule
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            tick += 1
            let started = ContinuousClock.now
            // A scheduled tick still observing when a node's death is confirmed is cut short: its reads may
            // wait out their budgets on a cluster that just lost a member (its leader, worst of all), and
            // its verdict would describe the cluster before the death anyway. The signalled tick starts at
            // once instead. A signalled tick is never cut, so a storm of signals cannot starve the loop.
            let interruptible = trigger.signal == nil && watcher != nil
            let outcome = await runTick(number: tick, consecutiveFailures: &failures, cutShortBy: interruptible ? inbox : nil)
            guard case .report(var report) = outcome else {
                if case .cutShort = outcome, let next = inbox.take() {
                    logger.info(
                        "tick cut short by a liveness signal",
                        metadata: ["cluster": "\(configuration.cluster)", "tick": "\(tick)", "entity": "\(next.signal?.entity.description ?? "-")"])
                    tick -= 1  // the cut tick recorded nothing; the signalled one takes its number
                    trigger = next
                    continue
                }
                break
            }
            report.trigger = trigger
            if let signal = trigger.signal {
                logger.info(
                    "tick started by a liveness signal",
                    metadata: [
                        "cluster": "\(configuration.cluster)", "tick": "\(tick)", "entity": "\(signal.entity)",
                        "reason": "\(redactor.redact(signal.reason))", "violations": "\(report.violations.count)",
                    ])
            }
            await onTick?(report)
            let delay = report.nextDelay
            let watching = watcher != nil
            do {
                trigger = try await cancelWhenGracefulShutdown {
                    try await self.waitForNextTick(after: delay, lastStart: started, inbox: inbox, watching: watching)
                }
            } catch {
                break  // graceful shutdown or cancellation between ticks
            }
        }
        if pending.count > 0 {
            _ = await writePending()  // one last try, so a database that came back in time loses nothing
            if pending.count > 0 {
                logger.error(
                    "monitor stopped with unwritten ticks; they are lost",
                    metadata: ["subject": "\(subject.name)", "unwritten_ticks": "\(pending.count)", "db": "\(storeName)"])
            }
        }
        logger.info("monitor stopped", metadata: ["subject": "\(subject.name)", "ticks": "\(tick)"])
    }

    /// Runs the subject's liveness watch (when it offers one and the configuration allows), posting into `inbox`.
    private func startLivenessWatch(into inbox: SignalInbox) -> Task<Void, Never>? {
        guard configuration.livenessSignals, let source = subject.liveness else { return nil }
        logger.info(
            "watching liveness signals",
            metadata: ["cluster": "\(configuration.cluster)", "gap": "\(DurationText.format(configuration.signalTickGap))"])
        return Task { await source.watch { inbox.post($0) } }
    }

    /// Sleeps until the next scheduled tick, or until a liveness signal arrives (then at least
    /// `signalTickGap` after the last tick's start). Signals that arrived during the tick start one at once.
    private func waitForNextTick(
        after delay: Duration, lastStart: ContinuousClock.Instant, inbox: SignalInbox, watching: Bool
    ) async throws -> TickTrigger {
        guard watching else {
            try await Task.sleep(for: delay)
            return .schedule
        }
        let signalled = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await Task.sleep(for: delay)
                return false
            }
            group.addTask {
                await inbox.waitForSignal()
                try Task.checkCancellation()
                return true
            }
            defer { group.cancelAll() }
            return try await group.next() ?? false
        }
        guard signalled else { return inbox.take() ?? .schedule }
        let earliest = lastStart + configuration.signalTickGap
        if earliest > ContinuousClock.now { try await Task.sleep(until: earliest, clock: .continuous) }
        return inbox.take() ?? .schedule
    }

    /// Runs one tick. Returns `nil` only when shutdown interrupted the observation (nothing is recorded:
    /// an interrupted observation says nothing about the cluster).
    public func runTick(number: Int, consecutiveFailures: inout Int) async -> TickReport? {
        guard case .report(let report) = await runTick(number: number, consecutiveFailures: &consecutiveFailures, cutShortBy: nil)
        else { return nil }
        return report
    }

    /// How a tick ended: with its report, interrupted by shutdown, or cut short by a liveness signal (both
    /// before anything was recorded: an observation that did not finish says nothing about the cluster).
    enum TickRun {
        case report(TickReport)
        case interrupted
        case cutShort
    }

    /// Runs one tick; with `cutShortBy`, a signal arriving in that inbox while the cluster is being observed
    /// abandons the tick (the signal stays in the inbox for the next one).
    func runTick(number: Int, consecutiveFailures: inout Int, cutShortBy interrupt: SignalInbox?) async -> TickRun {
        let clock = ContinuousClock()
        let start = clock.now
        let startedAt = Date()
        var findings: TickFindings
        var skipped: [String: String] = [:]
        var failure: String?
        var degraded: String?
        // For the status board: what this tick gave a verdict on, and whether it saw everything.
        var verdicts: [String] = []
        var observed = false
        var blindTick = false

        do {
            let snapshot = try await observeWithTimeout(cutShortBy: interrupt)
            await latest?.update(snapshot)
            let evaluation = subject.evaluate(snapshot)
            skipped = evaluation.skipped
            verdicts = evaluation.evaluated.sorted()
            observed = true
            blindTick = evaluation.isBlind
            var evaluated = evaluation.evaluated
            evaluated.insert(ObservationFailure.invariantID)  // observing worked: clears that ticket
            evaluated.insert(ObservationDegraded.invariantID)  // evaluated here: full sight clears it
            var violations = evaluation.violations
            let blind = sight.withLock { s in
                s.blindTicks = evaluation.isBlind ? s.blindTicks + 1 : 0
                s.degraded = nil
                return s.blindTicks
            }
            metrics.blindInvariants.record(evaluation.isBlind ? evaluation.skipped.count : 0)
            if evaluation.isBlind {
                let reason = redactor.redact(Self.describeBlindness(evaluation))
                degraded = "observation degraded: \(reason)"
                logger.warning(
                    "observation degraded: invariants without a verdict",
                    metadata: [
                        "cluster": "\(configuration.cluster)", "subject": "\(subject.name)", "reason": "\(reason)",
                        "consecutive": "\(blind)",
                    ])
                if blind >= configuration.degradedAfter {
                    let violation = degradedViolation(evaluation, reason: reason, consecutive: blind)
                    violations.append(violation)
                    sight.withLock { $0.degraded = violation }
                }
            }
            findings = TickFindings(
                subject: subject.name, at: startedAt, violations: violations, evaluated: evaluated,
                causalLinks: subject.knowledge.causalLinks(among: evaluation.violations + (await openAlertViolations()), in: snapshot),
                cluster: configuration.cluster)
            consecutiveFailures = 0
        } catch {
            if Task.isCancelled || Task.isShuttingDownGracefully { return .interrupted }
            if error is TickCutShort { return .cutShort }
            consecutiveFailures += 1
            let wasDegraded = sight.withLock { s in
                s.blindTicks += 1  // blind too
                return s.degraded
            }
            metrics.observationFailures.increment()
            let message = redactor.redact("cannot observe \(subject.name): \(describe(error))")
            failure = message
            logger.warning(
                "observation failed",
                metadata: [
                    "cluster": "\(configuration.cluster)", "error": "\(message)", "consecutive": "\(consecutiveFailures)",
                ])
            let violation = Violation(
                invariant: ObservationFailure.invariantID, entity: .cluster, severity: .critical, message: message,
                excerpt: ["error": .string(message), "consecutive_failures": .number(Double(consecutiveFailures))])
            findings = TickFindings(
                subject: subject.name, at: startedAt, violations: [violation], evaluated: [ObservationFailure.invariantID],
                cluster: configuration.cluster)
            if let wasDegraded {
                // A partial outage that became total is one problem: the failure joins the degraded
                // ticket's incident (its root, seen first), and the degraded ticket stays open meanwhile.
                findings.violations.append(wasDegraded)
                findings.evaluated.insert(ObservationDegraded.invariantID)
                findings.causalLinks.append(
                    CausalLink(
                        cause: wasDegraded.key, effect: violation.key,
                        reason: "observation was already degraded before it failed entirely"))
            }
        }

        // The heartbeat is written in the tick's own transaction, so it times observing and evaluating;
        // the report and the duration metric below time the whole tick, write included.
        let observing = clock.now - start
        let backlog = pending.count
        let notes = [failure, degraded, backlog > 0 ? "\(backlog) earlier tick(s) still waiting to be written" : nil]
            .compactMap { $0 }
        let heartbeat = Heartbeat(
            subject: subject.name, tick: number, startedAt: startedAt,
            durationMs: Int(checking: (observing.seconds * 1000).rounded()) ?? Int.max, violations: findings.violations.count,
            openTickets: 0, error: notes.isEmpty ? nil : notes.joined(separator: "; "), cluster: configuration.cluster)
        pending.append(TickWrite(tick: number, findings: findings, heartbeat: heartbeat))
        let written = await writePending()
        if let writeError = written.error {
            failure = failure.map { "\($0); \(writeError)" } ?? writeError
        }
        let dropped = pending.trimToLimit()
        if dropped > 0 {
            metrics.droppedWrites.increment(by: Int64(dropped))
            logger.error(
                "dropped unwritten ticks: the database has refused writes for longer than the pending limit",
                metadata: [
                    "dropped": "\(dropped)", "dropped_total": "\(pending.dropped)", "limit": "\(pending.limit)",
                    "db": "\(storeName)",
                ])
            metrics.pendingWrites.record(pending.count)
        }
        let duration = clock.now - start
        metrics.ticks.increment()
        metrics.tickDuration.recordNanoseconds(Int64(checking: duration.seconds * 1e9) ?? Int64.max)
        metrics.violations.record(findings.violations.count)
        await board?.publish(
            ClusterTickStatus(
                cluster: configuration.cluster, subject: subject.name, tick: number, startedAt: startedAt,
                durationMs: Int(checking: (duration.seconds * 1000).rounded()) ?? Int.max, evaluated: verdicts,
                skipped: skipped, violations: findings.violations.count, error: failure, degradedReason: degraded,
                state: ClusterTickStatus.state(observed: observed, blind: blindTick, violations: findings.violations.count)))
        return .report(TickReport(
            tick: number, startedAt: startedAt, duration: duration, violations: findings.violations, skipped: skipped,
            outcome: written.outcomes[number], error: failure, degraded: degraded, pendingWrites: pending.count,
            nextDelay: configuration.delay(after: duration, consecutiveFailures: consecutiveFailures)))
    }

    /// Open alert tickets of this cluster (`alert:<alertname>`, from the alert intake) as violations, offered to
    /// the subject's causal links beside the tick's own: an alert that arrived before Operator saw its cause
    /// then merges into the cause's incident. A store that cannot be read only loses that merge this tick.
    private func openAlertViolations() async -> [Violation] {
        do {
            return try await store.tickets(TicketFilter(statuses: [.created, .diagnosed], subject: subject.name, cluster: configuration.cluster))
                .filter { AlertTicket.isAlert($0.invariant) }
                .map { AlertTicket.violation($0) }
        } catch {
            logger.debug("cannot read open alert tickets", metadata: ["error": "\(error)"])
            return []
        }
    }

    /// Writes pending ticks oldest first, each in its own transaction, stopping at the first refusal so
    /// the order is kept. Returns the outcome of each tick written and, when one was refused, why.
    private func writePending() async -> (outcomes: [Int: TickOutcome], error: String?) {
        var outcomes: [Int: TickOutcome] = [:]
        defer { metrics.pendingWrites.record(pending.count) }
        while let write = pending.first {
            do {
                if let fence, case .refuse(let why) = try await fence.admits(observedAt: write.findings.at) {
                    pending.removeFirst()
                    metrics.fencedWrites.increment()
                    logger.warning(
                        "tick not written: the cluster was watched by another replica when it was observed",
                        metadata: ["tick": "\(write.tick)", "observed": "\(Timestamp.format(write.findings.at))", "reason": "\(why)"])
                    continue
                }
                let outcome = try await store.recordTick(
                    write.findings, heartbeat: write.heartbeat, policy: configuration.policy)
                pending.removeFirst()
                outcomes[write.tick] = outcome
                if let open = outcome.openTickets { metrics.openTickets.record(open) }
                log(outcome)
            } catch {
                metrics.storeFailures.increment()
                let message =
                    "cannot record tick \(write.tick) (observed \(Timestamp.format(write.findings.at))): \(describe(error)); kept in memory and retried next tick"
                logger.error(
                    "recording failed",
                    metadata: ["error": "\(message)", "pending_ticks": "\(pending.count)", "db": "\(storeName)"])
                return (outcomes, message)
            }
        }
        return (outcomes, nil)
    }

    private var storeName: String { store.displayLocation }

    /// One line naming what went unseen: the failing sources first, then the invariants without a verdict.
    static func describeBlindness(_ evaluation: Evaluation<S.Snapshot>) -> String {
        var parts: [String] = []
        if !evaluation.failedSources.isEmpty {
            parts.append("failing source(s): " + evaluation.failedSources.joined(separator: "; "))
        }
        let critical = Set(evaluation.skippedCritical)
        let ids = evaluation.skipped.keys.sorted().map { critical.contains($0) ? "\($0) (critical)" : $0 }
        parts.append("no verdict on " + ids.joined(separator: ", "))
        if evaluation.failedSources.isEmpty {
            // No source failure to name: the skip reasons are the explanation.
            parts += evaluation.skippedCritical.compactMap { id in evaluation.skipped[id].map { "\(id): \($0)" } }
        }
        return parts.joined(separator: "; ")
    }

    private func degradedViolation(_ evaluation: Evaluation<S.Snapshot>, reason: String, consecutive: Int) -> Violation {
        Violation(
            invariant: ObservationDegraded.invariantID, entity: .cluster,
            severity: evaluation.skippedCritical.isEmpty ? .warning : .critical,
            message: "cannot see all of \(subject.name) for \(consecutive) consecutive ticks: \(reason)",
            excerpt: [
                "failed_sources": .array(evaluation.failedSources.map { .string(redactor.redact($0)) }),
                "skipped_critical": .array(evaluation.skippedCritical.map { .string($0) }),
                "skipped": .object(evaluation.skipped.mapValues { .string(redactor.redact($0)) }),
                "consecutive_ticks": .number(Double(consecutive)),
            ])
    }

    private func observeWithTimeout(cutShortBy interrupt: SignalInbox? = nil) async throws -> S.Snapshot {
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
                if let interrupt {
                    group.addTask {
                        await interrupt.waitForSignal()
                        try Task.checkCancellation()
                        throw TickCutShort()
                    }
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

/// What the monitor remembers about its sight of the cluster between ticks.
private struct Sight {
    /// Consecutive ticks without full sight (failed observations count too).
    var blindTicks = 0
    /// The `observation-degraded` violation of the latest observed tick, while one is open.
    var degraded: Violation?
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

/// A liveness signal arrived while a scheduled tick was observing: the tick is abandoned for a signalled one.
struct TickCutShort: Error {}
