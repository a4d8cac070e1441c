import Foundation
import Logging
import OperatorCore
import ServiceLifecycle
import Synchronization
import Testing

/// A liveness source the test fires by hand: `watch` registers the monitor's callback and sleeps.
final class ManualLiveness: LivenessSource, Sendable {
    private let callback = Mutex<(@Sendable (LivenessSignal) -> Void)?>(nil)
    var watching: Bool { callback.withLock { $0 != nil } }

    func watch(signal: @escaping @Sendable (LivenessSignal) -> Void) async {
        callback.withLock { $0 = signal }
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        callback.withLock { $0 = nil }
    }

    func fire(_ signal: LivenessSignal) { callback.withLock { $0 }?(signal) }
}

/// Holds observations while closed, so a test knows a tick is in progress without timing it.
final class ObservationGate: Sendable {
    private let state = Mutex((closed: false, waiting: 0, abandoned: 0))
    func close() { state.withLock { $0.closed = true } }
    func open() { state.withLock { $0.closed = false } }
    var waiting: Int { state.withLock { $0.waiting } }
    /// Observations that stopped waiting because their tick was cancelled.
    var abandoned: Int { state.withLock { $0.abandoned } }

    /// Waits while closed; a cancelled observation (a tick cut short) stops waiting, as real requests do.
    func pass() async {
        state.withLock { $0.waiting += 1 }
        while state.withLock({ $0.closed }) && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
        let cancelled = Task.isCancelled
        state.withLock {
            $0.waiting -= 1
            if cancelled { $0.abandoned += 1 }
        }
    }
}

/// The fake subject with a liveness source.
struct SignallingSubject: Subject {
    let name = "fake"
    let inner: FakeSubject
    let source: ManualLiveness
    var gate = ObservationGate()
    var invariants: [any Invariant<FakeSnapshot>] { inner.invariants }
    var knowledge: FakeKnowledge { inner.knowledge }
    var liveness: (any LivenessSource)? { source }
    func observe() async throws -> FakeSnapshot {
        await gate.pass()
        return try await inner.observe()
    }
}

@Suite("Liveness signals")
struct LivenessSignalTests {
    /// The regular schedule is an hour: any tick after the first came through the signal path.
    func run(
        _ subject: SignallingSubject, store: SQLiteTicketStore, signals: Bool = true,
        _ body: (MonitorServiceTests.Reports) async throws -> Void
    ) async throws {
        let reports = MonitorServiceTests.Reports()
        let monitor = MonitorService(
            subject: subject, store: store,
            configuration: MonitorConfiguration(interval: .seconds(3600), livenessSignals: signals),
            logger: Logger(label: "test"), onTick: { reports.append($0) })
        let group = ServiceGroup(services: [monitor], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { tasks.cancelAll() }
            try await body(reports)
            await group.triggerGracefulShutdown()
            try await tasks.next()
        }
    }

    func eventually(_ what: String, _ check: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(120)  // a hang guard, not a timing assertion
        while ContinuousClock.now < deadline {
            if try await check() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("never saw: \(what)")
    }

    @Test func aSignalStartsAnExtraTickThatTicketsTheDeadNodeAndSaysWhy() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let cluster = FakeCluster()
        let source = ManualLiveness()
        try await run(SignallingSubject(inner: FakeSubject(cluster: cluster), source: source), store: store) { reports in
            try await eventually("the first tick and the watch") { reports.count >= 1 && source.watching }
            #expect(reports.all.withLock { $0[0].trigger } == .schedule)
            cluster.kill("n2")
            let signal = LivenessSignal(entity: Entity(kind: "node", id: "n2"), reason: "connection lost; reconnect refused")
            source.fire(signal)
            try await eventually("a second tick") { reports.count >= 2 }
            let second = reports.all.withLock { $0[1] }
            #expect(second.trigger.signal == signal)
            #expect(second.outcome?.opened.map(\.entity) == ["node:n2"], "the ticket opened on the signalled tick")
        }
    }

    @Test func signalsDuringATickCostOneExtraTick() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let cluster = FakeCluster()
        let source = ManualLiveness()
        let subject = SignallingSubject(inner: FakeSubject(cluster: cluster), source: source)
        try await run(subject, store: store) { reports in
            try await eventually("the first tick and the watch") { reports.count >= 1 && source.watching }
            subject.gate.close()
            source.fire(LivenessSignal(entity: Entity(kind: "node", id: "n1"), reason: "first"))
            try await eventually("the signalled tick is observing") { subject.gate.waiting == 1 }
            for i in 0..<30 { source.fire(LivenessSignal(entity: Entity(kind: "node", id: "n3"), reason: "storm \(i)")) }
            subject.gate.open()
            try await eventually("the tick after the storm") { reports.count >= 3 }
            let third = reports.all.withLock { $0[2] }
            #expect(third.trigger.signal?.reason == "storm 0")
            #expect(third.trigger == .signal(LivenessSignal(entity: Entity(kind: "node", id: "n3"), reason: "storm 0"), coalesced: 29))
            // One more signal to know the loop is idle again: with nothing pending, it is the fourth tick.
            source.fire(LivenessSignal(entity: Entity(kind: "node", id: "n1"), reason: "last"))
            try await eventually("the fourth tick") { reports.count >= 4 }
            #expect(reports.all.withLock { $0[3].trigger.signal?.reason } == "last")
        }
    }

    /// A scheduled tick stuck observing (as reads to a cluster that just lost its leader wait out their
    /// budgets) is abandoned for the signalled tick. Its observation never ends by itself here and the
    /// tick timeout is the default minutes: only the cut lets a report through.
    @Test func aSignalCutsShortAScheduledTickStillObserving() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let cluster = FakeCluster()
        let source = ManualLiveness()
        let subject = SignallingSubject(inner: FakeSubject(cluster: cluster), source: source)
        subject.gate.close()
        try await run(subject, store: store) { reports in
            try await eventually("the scheduled first tick observing, and the watch") { subject.gate.waiting == 1 && source.watching }
            cluster.kill("n2")
            let signal = LivenessSignal(entity: Entity(kind: "node", id: "n2"), reason: "connection lost; reconnect refused")
            source.fire(signal)
            try await eventually("the cut tick's observation given up") { subject.gate.abandoned == 1 }
            #expect(reports.count == 0, "the cut tick reports nothing")
            subject.gate.open()
            try await eventually("the signalled tick") { reports.count >= 1 }
            let first = reports.all.withLock { $0[0] }
            #expect(first.tick == 1, "the signalled tick takes the cut tick's number")
            #expect(first.trigger.signal == signal)
            #expect(first.outcome?.opened.map(\.entity) == ["node:n2"])
            #expect(try await store.heartbeats(subject: nil, limit: 10).count == 1, "the cut tick wrote no heartbeat")
        }
    }

    @Test func signalsAreIgnoredWhenTurnedOff() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let source = ManualLiveness()
        try await run(SignallingSubject(inner: FakeSubject(cluster: FakeCluster()), source: source), store: store, signals: false) { reports in
            try await eventually("the first tick") { reports.count >= 1 }
            #expect(!source.watching, "the monitor never started the subject's watch")
        }
    }
}
