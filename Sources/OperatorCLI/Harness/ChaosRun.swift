import Foundation
import Logging
import OperatorCore
import ServiceLifecycle
import Synchronization

/// One step of a chaos cycle, as it happened.
struct ChaosPhase: Sendable, Encodable {
    var phase: String
    var at: Date
    var offsetSeconds: Double
    var detail: String

    enum CodingKeys: String, CodingKey {
        case phase, at
        case offsetSeconds = "offset_seconds"
        case detail
    }
}

/// What a chaos cycle produced: the timeline, the latencies, the ticket with its diagnosis.
struct ChaosRunResult: Sendable, Encodable {
    var subject: String
    var fault: FaultSpec
    var timeline: [ChaosPhase]
    var detectSeconds: Double?
    var diagnoseSeconds: Double?
    var ticket: Ticket?
    var incident: Incident?

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
struct ChaosRun<S: Subject> {
    struct Options {
        var interval: Duration = .seconds(1)
        var healthyTimeout: Duration = .seconds(60)
        var detectTimeout: Duration = .seconds(90)
        var diagnoseTimeout: Duration = .seconds(90)
        var databasePath: String
        /// Faults injected after the first one, with their delay after it (distractors, second kills).
        var extraFaults: [(FaultSpec, Duration)] = []
    }

    struct Timeout: Error, CustomStringConvertible {
        var waitingFor: String
        var after: Duration
        var description: String { "no \(waitingFor) within \(DurationText.format(after))" }
    }

    let subject: S
    let target: any ChaosTarget
    let diagnoser: any Diagnoser
    let options: Options
    let logger: Logger

    /// Events from the running services, in arrival order.
    private enum Event: Sendable {
        case tick(TickReport)
        case diagnosed(DiagnosisRunner<S>.Outcome)
    }

    func run(fault: FaultSpec, onPhase: @escaping @Sendable (ChaosPhase) -> Void) async throws -> ChaosRunResult {
        let store = try SQLiteTicketStore(path: options.databasePath)
        let (events, sink) = AsyncStream.makeStream(of: Event.self)
        let latest = LatestSnapshot<S.Snapshot>()
        let monitor = MonitorService(
            subject: subject, store: store,
            configuration: MonitorConfiguration(interval: options.interval, policy: TicketPolicy(resolveAfterAbsentTicks: 3)),
            logger: logger, latest: latest, onTick: { sink.yield(.tick($0)) })
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
                let result = try await drive(fault: fault, events: events, store: store, note: note, started: start)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                var r = result
                r.timeline = recorded.withLock { $0 }
                return r
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }

    private func drive(
        fault: FaultSpec, events: AsyncStream<Event>, store: SQLiteTicketStore, note: @escaping @Sendable (String, String) -> Void,
        started: Date
    ) async throws -> ChaosRunResult {
        var iterator = events.makeAsyncIterator()
        // 1. Healthy: two consecutive ticks that observed the cluster and found nothing wrong. Two, so the
        //    loop is in its steady cadence (a first tick may run long while metric rates warm up) and the
        //    fault lands right after a tick: detection then measures a full interval, not a lucky one.
        let healthyDeadline = ContinuousClock.now + options.healthyTimeout
        var lastProblem = "no tick yet"
        var healthyInARow = 0
        while true {
            guard let event = try await next(&iterator, until: healthyDeadline, waitingFor: "healthy tick (last: \(lastProblem))")
            else { continue }
            guard case .tick(let report) = event else { continue }
            if report.error == nil && report.violations.isEmpty {
                healthyInARow += 1
                guard healthyInARow >= 2 else { continue }
                let skipped = report.skipped.isEmpty ? "" : "; \(report.skipped.count) without data: \(report.skipped.keys.sorted().joined(separator: ", "))"
                note("healthy", "every invariant holds on \(healthyInARow) consecutive ticks\(skipped)")
                break
            }
            healthyInARow = 0
            lastProblem = report.error ?? report.violations.map { "\($0.invariant) on \($0.entity)" }.joined(separator: ", ")
        }

        // 2. Fault.
        try await target.inject(fault)
        let injectedAt = Date()
        note("fault injected", fault.description)
        var pendingExtras = options.extraFaults.map { ($0.0, injectedAt.addingTimeInterval($0.1.seconds)) }

        // 3. Violation, ticket, diagnosis.
        var sawViolation = false
        var ticket: Ticket?
        var ticketSeenAt: Date?
        let detectDeadline = ContinuousClock.now + options.detectTimeout
        var diagnoseDeadline: ContinuousClock.Instant?
        while true {
            for (extra, due) in pendingExtras where due <= Date() {
                try await target.inject(extra)
                note("fault injected", extra.description)
            }
            pendingExtras.removeAll { $0.1 <= Date() }
            let deadline = diagnoseDeadline ?? detectDeadline
            let waiting = ticket == nil ? "ticket after \(fault)" : "diagnosis of incident #\(ticket?.incidentID ?? 0)"
            guard let event = try await next(&iterator, until: deadline, waitingFor: waiting) else { continue }
            switch event {
            case .tick(let report):
                if !sawViolation, let v = report.violations.first(where: { $0.entity == fault.entity }) ?? report.violations.first {
                    sawViolation = true
                    note("violation seen", "\(v.invariant) on \(v.entity): \(v.message)")
                }
                if ticket == nil, let outcome = report.outcome {
                    let opened = outcome.opened + outcome.reopened
                    if let t = opened.first(where: { $0.entity == fault.entity }) ?? opened.first {
                        ticket = t
                        ticketSeenAt = Date()
                        note("ticket created", "ticket #\(t.id) \(t.invariant) on \(t.entity), incident #\(t.incidentID.map(String.init) ?? "?")")
                        diagnoseDeadline = ContinuousClock.now + options.diagnoseTimeout
                    }
                }
            case .diagnosed(let outcome):
                guard let t = ticket, let current = try await store.ticket(id: t.id), outcome.incidentID == current.incidentID else {
                    continue
                }
                if let error = outcome.error {
                    note("diagnosis failed", error)
                    continue  // the runner retries; the deadline bounds the wait
                }
                guard let d = outcome.diagnosis else { continue }
                let diagnosedAt = Date()
                note("diagnosed", "\(d.rootCause.category) on \(d.rootCause.entity) (confidence \(Int((d.confidence * 100).rounded()))%) by \(d.diagnoser)")
                note("explanation", d.rootCause.explanation)
                let incident = try await store.incident(id: outcome.incidentID)
                return ChaosRunResult(
                    subject: subject.name, fault: fault, timeline: [],
                    detectSeconds: ticketSeenAt.map { $0.timeIntervalSince(injectedAt) },
                    diagnoseSeconds: ticketSeenAt.map { diagnosedAt.timeIntervalSince($0) },
                    ticket: try await store.ticket(id: t.id), incident: incident)
            }
        }
    }

    /// The next event; throws once `deadline` has passed. The monitor ticks every interval, so events
    /// keep coming and the deadline is checked at least that often.
    private func next(
        _ iterator: inout AsyncStream<Event>.Iterator, until deadline: ContinuousClock.Instant, waitingFor: String
    ) async throws -> Event? {
        if ContinuousClock.now > deadline {
            throw Timeout(waitingFor: waitingFor, after: options.detectTimeout + options.diagnoseTimeout)
        }
        try Task.checkCancellation()
        let event = await iterator.next()
        guard let event else { throw CancellationError() }
        return event
    }
}
