import Foundation
import Logging
import OperatorCore
import ServiceLifecycle
import Synchronization

/// One step of a chaos cycle, as it happened.
public struct ChaosPhase: Sendable, Encodable {
    public var phase: String
    public var at: Date
    public var offsetSeconds: Double
    public var detail: String

    enum CodingKeys: String, CodingKey {
        case phase, at
        case offsetSeconds = "offset_seconds"
        case detail
    }
}

/// What a chaos cycle produced: the timeline, the latencies, the ticket with its diagnosis.
public struct ChaosRunResult: Sendable, Encodable {
    public var subject: String
    public var fault: FaultSpec
    public var timeline: [ChaosPhase]
    public var detectSeconds: Double?
    public var diagnoseSeconds: Double?
    public var ticket: Ticket?
    public var incident: Incident?

    enum CodingKeys: String, CodingKey {
        case subject, fault, timeline
        case detectSeconds = "detect_seconds"
        case diagnoseSeconds = "diagnose_seconds"
        case ticket, incident
    }
}

/// One full cycle on a chaos target: wait for health, inject a fault, watch the monitor see it, open a
/// ticket and diagnose its incident. The monitor and the diagnosis runner are the production services,
/// run in-process on a temporary database.
public struct ChaosRun<S: Subject> {
    public struct Options: Sendable {
        public var interval: Duration = .seconds(1)
        public var healthyTimeout: Duration = .seconds(60)
        public var detectTimeout: Duration = .seconds(90)
        public var diagnoseTimeout: Duration = .seconds(90)
        public var databasePath: String
        /// After the first diagnosis, keep running this long after the last fault (and the last
        /// diagnosis) so later tickets join the incident and its final diagnosis is the one returned.
        public var settle: Duration = .zero
        /// Track only tickets on the primary fault's entity (the eval harness); the demo falls back to the
        /// first ticket opened, for faults named by alias (`pd:leader`).
        public var strictEntity = false
        /// Settled also waits until every incident of the run has a diagnosis (or a failed attempt): a
        /// scenario with independent faults grades each incident's diagnosis, not just the primary's.
        public var awaitEveryIncident = false

        public init(
            interval: Duration = .seconds(1), healthyTimeout: Duration = .seconds(60), detectTimeout: Duration = .seconds(90),
            diagnoseTimeout: Duration = .seconds(90), databasePath: String, settle: Duration = .zero, strictEntity: Bool = false,
            awaitEveryIncident: Bool = false
        ) {
            self.awaitEveryIncident = awaitEveryIncident
            self.interval = interval
            self.healthyTimeout = healthyTimeout
            self.detectTimeout = detectTimeout
            self.diagnoseTimeout = diagnoseTimeout
            self.databasePath = databasePath
            self.settle = settle
            self.strictEntity = strictEntity
        }
    }

    /// A fault and when to inject it, counted from the moment the cluster is healthy.
    public struct ScheduledFault: Sendable {
        public var fault: FaultSpec
        public var after: Duration

        public init(fault: FaultSpec, after: Duration) {
            self.fault = fault
            self.after = after
        }
    }

    public struct Timeout: Error, CustomStringConvertible {
        public var waitingFor: String
        public var after: Duration
        public var description: String { "no \(waitingFor) within \(DurationText.format(after))" }
    }

    public let subject: S
    public let target: any ChaosTarget
    public let diagnoser: any Diagnoser
    public let options: Options
    public let logger: Logger
    /// Lets a tick timeout name the requests it waited for; the composition root knows the HTTP layer.
    public let pendingWork: (any PendingWorkTracker)?

    public init(
        subject: S, target: any ChaosTarget, diagnoser: any Diagnoser, options: Options, logger: Logger,
        pendingWork: (any PendingWorkTracker)? = nil
    ) {
        self.subject = subject
        self.target = target
        self.diagnoser = diagnoser
        self.options = options
        self.logger = logger
        self.pendingWork = pendingWork
    }

    /// Events from the running services, in arrival order.
    private enum Event: Sendable {
        case tick(TickReport)
        case diagnosed(DiagnosisRunner<S>.Outcome)
    }

    public func run(fault: FaultSpec, onPhase: @escaping @Sendable (ChaosPhase) -> Void) async throws -> ChaosRunResult {
        try await run(primary: fault, schedule: [ScheduledFault(fault: fault, after: .zero)], onPhase: onPhase)
    }

    /// Injects every fault of `schedule` at its time; tracks the ticket and incident of `primary`.
    public func run(primary fault: FaultSpec, schedule: [ScheduledFault], onPhase: @escaping @Sendable (ChaosPhase) -> Void) async throws
        -> ChaosRunResult
    {
        let store = try SQLiteTicketStore(path: options.databasePath)
        let (events, sink) = AsyncStream.makeStream(of: Event.self)
        let latest = LatestSnapshot<S.Snapshot>()
        let monitor = MonitorService(
            subject: subject, store: store,
            configuration: MonitorConfiguration(interval: options.interval, policy: TicketPolicy(resolveAfterAbsentTicks: 3)),
            logger: logger, latest: latest, onTick: { sink.yield(.tick($0)) }, pendingWork: pendingWork)
        let runner = DiagnosisRunner(
            subject: subject, store: store, diagnoser: diagnoser,
            configuration: .init(pollInterval: .milliseconds(100)), logger: logger, latest: latest,
            onOutcome: { sink.yield(.diagnosed($0)) })
        let group = ServiceGroup(services: [monitor, runner], logger: logger)

        let start = Date()
        let recorded = Mutex<[ChaosPhase]>([])
        let note: @Sendable (String, String) -> Void = { phase, detail in
            let now = Date()
            let p = ChaosPhase(phase: phase, at: now, offsetSeconds: now.timeIntervalSince(start), detail: detail)
            recorded.withLock { $0.append(p) }
            onPhase(p)
        }

        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { sink.finish() }
            do {
                let result = try await drive(
                    fault: fault, schedule: schedule, events: events, store: store, note: note, started: start)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                var r = result
                r.fault = fault
                r.timeline = recorded.withLock { $0 }
                return r
            } catch {
                await group.triggerGracefulShutdown()
                // Past the deadline nothing may keep the run: a model call in flight is cancelled, not awaited.
                tasks.cancelAll()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }

    private func drive(
        fault: FaultSpec, schedule: [ScheduledFault], events: AsyncStream<Event>, store: SQLiteTicketStore,
        note: @escaping @Sendable (String, String) -> Void, started: Date
    ) async throws -> ChaosRunResult {
        var iterator = events.makeAsyncIterator()
        // 1. Healthy: two consecutive ticks that observed the cluster and found nothing wrong. Two, so the
        //    loop is in its steady cadence (a first tick may run long while metric rates warm up) and the
        //    fault lands right after a tick: detection then measures a full interval, not a lucky one.
        let healthyDeadline = ContinuousClock.now + options.healthyTimeout
        var lastProblem = "no tick yet"
        var healthyInARow = 0
        while true {
            guard let event = try await next(
                &iterator, until: healthyDeadline, budget: options.healthyTimeout, waitingFor: "healthy tick (last: \(lastProblem))")
            else { continue }
            guard case .tick(let report) = event else { continue }
            // Healthy means seen whole: a tick blind to part of the cluster (`degraded`) is no baseline.
            if report.error == nil && report.degraded == nil && report.violations.isEmpty {
                healthyInARow += 1
                guard healthyInARow >= 2 else { continue }
                let skipped = report.skipped.isEmpty ? "" : "; \(report.skipped.count) without data: \(report.skipped.keys.sorted().joined(separator: ", "))"
                note("healthy", "every invariant holds on \(healthyInARow) consecutive ticks\(skipped)")
                break
            }
            healthyInARow = 0
            lastProblem = report.error ?? report.degraded
                ?? report.violations.map { "\($0.invariant) on \($0.entity)" }.joined(separator: ", ")
        }

        // 2. Faults, each at its time; then violation, ticket, diagnosis of the primary's incident.
        let healthyAt = Date()
        var pending = schedule.sorted { $0.after < $1.after }.map { ($0.fault, healthyAt.addingTimeInterval($0.after.seconds)) }
        var injectedAt: Date?
        var lastInjection = healthyAt
        func injectDue() async throws {
            while let (next, due) = pending.first, due <= Date() {
                pending.removeFirst()
                try await target.inject(next)
                lastInjection = Date()
                if next == fault { injectedAt = lastInjection }
                note("fault injected", next.description)
            }
        }
        try await injectDue()

        var sawViolation = false
        var ticket: Ticket?
        var ticketSeenAt: Date?
        var firstDiagnosisAt: Date?
        var lastDiagnosis: Date?
        let detectBudget = options.detectTimeout + (schedule.map(\.after).max() ?? .zero)
        let detectDeadline = ContinuousClock.now + detectBudget
        // The diagnosis phase's own budget, from the ticket on: what a timeout there names.
        let diagnoseBudget = options.diagnoseTimeout + options.settle
        var diagnoseDeadline: ContinuousClock.Instant?
        while true {
            try await injectDue()
            let deadline = diagnoseDeadline ?? detectDeadline
            let waiting = ticket == nil ? "ticket after \(fault)" : "diagnosis of incident #\(ticket?.incidentID ?? 0)"
            guard let event = try await next(
                &iterator, until: deadline, budget: diagnoseDeadline == nil ? detectBudget : diagnoseBudget, waitingFor: waiting)
            else { continue }
            switch event {
            case .tick(let report):
                guard injectedAt != nil else { continue }
                if !sawViolation, let v = report.violations.first(where: { $0.entity == fault.entity })
                    ?? (options.strictEntity ? nil : report.violations.first)
                {
                    sawViolation = true
                    note("violation seen", "\(v.invariant) on \(v.entity): \(v.message)")
                }
                if ticket == nil, let outcome = report.outcome {
                    let opened = outcome.opened + outcome.reopened
                    if let t = opened.first(where: { $0.entity == fault.entity }) ?? (options.strictEntity ? nil : opened.first) {
                        ticket = t
                        ticketSeenAt = Date()
                        note("ticket created", "ticket #\(t.id) \(t.invariant) on \(t.entity), incident #\(t.incidentID.map(String.init) ?? "?")")
                        diagnoseDeadline = ContinuousClock.now + diagnoseBudget
                    }
                }
                // Settled: every fault is in, the settle time has passed since the last change, and the
                // incident has nothing left to diagnose.
                if let t = ticket, let last = lastDiagnosis, pending.isEmpty,
                    Date().timeIntervalSince(max(last, lastInjection)) >= options.settle.seconds,
                    let current = try await store.ticket(id: t.id), let incidentID = current.incidentID,
                    let incident = try await store.incident(id: incidentID), incident.status != .open,
                    try await everyIncidentAnswered(store)
                {
                    return try await finish(ticket: t, incident: incident, store: store, injectedAt: injectedAt,
                                            ticketSeenAt: ticketSeenAt, diagnosedAt: firstDiagnosisAt)
                }
            case .diagnosed(let outcome):
                guard let t = ticket, let current = try await store.ticket(id: t.id), outcome.incidentID == current.incidentID else {
                    continue
                }
                if let error = outcome.error {
                    note("diagnosis failed", error)
                    continue  // the runner retries; the deadline bounds the wait
                }
                if let skipped = outcome.skipped {
                    note("re-diagnosis skipped", skipped)
                    continue
                }
                guard let d = outcome.diagnosis else { continue }
                let now = Date()
                if firstDiagnosisAt == nil { firstDiagnosisAt = now }
                lastDiagnosis = now
                note("diagnosed", "\(d.rootCause.category) on \(d.rootCause.entity) (confidence \(NumberText.percent(d.confidence))) by \(d.diagnoser)")
                note("explanation", d.rootCause.explanation)
                if options.settle == .zero, let incident = try await store.incident(id: outcome.incidentID) {
                    return try await finish(ticket: t, incident: incident, store: store, injectedAt: injectedAt,
                                            ticketSeenAt: ticketSeenAt, diagnosedAt: firstDiagnosisAt)
                }
            }
        }
    }

    /// Every incident has a diagnosis or a failed attempt, when ``Options/awaitEveryIncident`` asks for it.
    private func everyIncidentAnswered(_ store: SQLiteTicketStore) async throws -> Bool {
        guard options.awaitEveryIncident else { return true }
        // A resolved incident is never diagnosed any more: it counts as answered.
        return try await store.incidents(.all).allSatisfy { $0.status == .resolved || $0.diagnosis != nil || $0.diagnosisError != nil }
    }

    private func finish(
        ticket: Ticket, incident: Incident, store: SQLiteTicketStore, injectedAt: Date?, ticketSeenAt: Date?, diagnosedAt: Date?
    ) async throws -> ChaosRunResult {
        var detect: Double?
        if let seen = ticketSeenAt, let injected = injectedAt { detect = seen.timeIntervalSince(injected) }
        var diagnose: Double?
        if let seen = ticketSeenAt, let diagnosed = diagnosedAt { diagnose = diagnosed.timeIntervalSince(seen) }
        return ChaosRunResult(
            subject: subject.name, fault: FaultSpec(kind: "", entity: ticket.entity), timeline: [], detectSeconds: detect,
            diagnoseSeconds: diagnose, ticket: try await store.ticket(id: ticket.id), incident: incident)
    }

    /// The next event; throws once `deadline` has passed, naming `budget`, the time the phase that set the
    /// deadline was given (it named detect + diagnose timeouts whatever the phase: "no diagnosis within
    /// 10m" after 304 s, issue 13). The monitor ticks every interval, so events keep coming and the deadline
    /// is checked at least that often.
    private func next(
        _ iterator: inout AsyncStream<Event>.Iterator, until deadline: ContinuousClock.Instant, budget: Duration,
        waitingFor: String
    ) async throws -> Event? {
        if ContinuousClock.now > deadline {
            throw Timeout(waitingFor: waitingFor, after: budget)
        }
        try Task.checkCancellation()
        let event = await iterator.next()
        guard let event else { throw CancellationError() }
        return event
    }
}
