import Foundation
import Logging
import OperatorCore
import ServiceLifecycle
import Synchronization
import Testing

@Suite("Monitor loop")
struct MonitorServiceTests {
    /// Collects tick reports and lets a test wait for a condition on them.
    final class Reports: Sendable {
        let all = Mutex<[TickReport]>([])
        func append(_ r: TickReport) { all.withLock { $0.append(r) } }
        var count: Int { all.withLock { $0.count } }

        /// Records an issue unless `condition` holds within `ticks` more ticks.
        func expect(ticks: Int = 40, sourceLocation: SourceLocation = #_sourceLocation,
                    _ condition: @Sendable () async throws -> Bool) async throws {
            let held = try await wait(ticks: ticks, condition)
            #expect(held, "condition not met within \(ticks) ticks", sourceLocation: sourceLocation)
        }

        /// Polls until `condition` holds or `ticks` more ticks have passed.
        func wait(ticks: Int = 40, _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
            let start = count
            while count < start + ticks {
                if try await condition() { return true }
                try await Task.sleep(for: .milliseconds(20))
            }
            return try await condition()
        }
    }

    func makeMonitor(_ cluster: FakeCluster, _ store: SQLiteTicketStore, _ reports: Reports, interval: Duration = .milliseconds(30),
                     timeout: Duration? = nil) -> MonitorService<FakeSubject>
    {
        MonitorService(
            subject: FakeSubject(cluster: cluster), store: store,
            configuration: MonitorConfiguration(interval: interval, tickTimeout: timeout, policy: TicketPolicy(resolveAfterAbsentTicks: 3),
                                                maxBackoff: .milliseconds(120)),
            logger: Logger(label: "test"), onTick: { reports.append($0) })
    }

    /// Runs the monitor in a ServiceGroup, performs `body`, then shuts the group down gracefully.
    func withMonitor(_ monitor: MonitorService<FakeSubject>, _ body: () async throws -> Void) async throws {
        let group = ServiceGroup(services: [monitor], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { tasks.cancelAll() }
            try await body()
            await group.triggerGracefulShutdown()
            try await tasks.next()
        }
    }

    @Test func aDownNodeOpensOneTicketThatResolvesAfterRecovery() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let cluster = FakeCluster()
        let reports = Reports()
        try await withMonitor(makeMonitor(cluster, store, reports)) {
            try await reports.expect(ticks: 5) { reports.count >= 2 }
            #expect(try await store.tickets(.all).isEmpty, "healthy cluster, no ticket")
            cluster.kill("n2")
            try await reports.expect() { try await store.tickets(.open).map(\.entity) == ["node:n2"] }
            let ticksBefore = reports.count
            try await reports.expect() { try await store.tickets(.open).first?.occurrences ?? 0 >= 3 }
            #expect(try await store.tickets(.all).count == 1, "deduplicated across \(reports.count - ticksBefore) ticks")
            cluster.revive("n2")
            try await reports.expect() { try await store.tickets(.open).isEmpty }
        }
        let t = try #require(try await store.tickets(.all).first)
        #expect(t.status == .resolved)
        #expect(try await store.heartbeats(subject: "fake", limit: 1000).count == reports.count)
    }

    @Test func anUnobservableSubjectBecomesATicketThatClearsItself() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let cluster = FakeCluster()
        let reports = Reports()
        cluster.failObservations("connection refused at http://127.0.0.1:1")
        try await withMonitor(makeMonitor(cluster, store, reports)) {
            try await reports.expect() { try await store.tickets(.open).map(\.invariant) == [ObservationFailure.invariantID] }
            let t = try #require(try await store.tickets(.open).first)
            #expect(t.entity == .cluster)
            #expect(t.message.contains("connection refused at http://127.0.0.1:1"))
            try await reports.expect(ticks: 5) { reports.count >= 3 }
            // Backoff: delays grow while failing.
            let delays = reports.all.withLock { $0.map(\.nextDelay) }
            #expect(delays.count >= 3 && delays[2] > delays[0])
            cluster.failObservations(nil)
            try await reports.expect() { try await store.tickets(.open).isEmpty }
        }
        let beats = try await store.heartbeats(subject: "fake", limit: 100)
        #expect(beats.contains { $0.error?.contains("connection refused") == true })
        #expect(beats.first?.error == nil, "the latest tick succeeded")
    }

    @Test func anObservationOverBudgetTimesOut() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let cluster = FakeCluster()
        cluster.slowObservations(.seconds(30))
        let reports = Reports()
        try await withMonitor(makeMonitor(cluster, store, reports, timeout: .milliseconds(100))) {
            try await reports.expect(ticks: 2) { reports.count >= 1 }
        }
        let report = try #require(reports.all.withLock { $0.first })
        #expect(report.error?.contains("did not finish within 100ms") == true)
    }

    @Test func gracefulShutdownInterruptsAnObservationWithoutRecordingIt() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let cluster = FakeCluster()
        let reports = Reports()
        let monitor = makeMonitor(cluster, store, reports, timeout: .seconds(60))
        try await withMonitor(monitor) {
            try await reports.expect(ticks: 3) { reports.count >= 1 }
            cluster.slowObservations(.seconds(60))
            try await Task.sleep(for: .milliseconds(100))  // the next observation is now hanging
        }
        // The group returned (shutdown did not wait 60 s) and no observation-failed ticket was invented.
        #expect(try await store.tickets(.all).isEmpty)
    }

    @Test func skippedInvariantsAreReported() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let monitor = makeMonitor(FakeCluster(), store, Reports())
        var failures = 0
        let report = try #require(await monitor.runTick(number: 1, consecutiveFailures: &failures))
        #expect(report.skipped == ["no-data": "no metrics source"])
    }

    @Test func quorumLossGroupsUnderTheFirstDownNode() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let cluster = FakeCluster()
        cluster.kill("n1")
        cluster.kill("n3")
        let monitor = makeMonitor(cluster, store, Reports())
        var failures = 0
        _ = await monitor.runTick(number: 1, consecutiveFailures: &failures)
        let incidents = try await store.incidents(IncidentFilter(statuses: [.open]))
        #expect(incidents.count == 2)
        let quorum = try #require(try await store.tickets(.all).first { $0.invariant == "quorum-lost" })
        let home = try #require(incidents.first { $0.id == quorum.incidentID })
        #expect(home.rootInvariant == "node-down")
    }

    @Test func delaysFollowTheIntervalAndBackOffWhenFailing() {
        let c = MonitorConfiguration(interval: .seconds(5), maxBackoff: .seconds(60))
        #expect(c.delay(after: .seconds(1), consecutiveFailures: 0) == .seconds(4))
        #expect(c.delay(after: .seconds(7), consecutiveFailures: 0) == .zero)
        #expect(c.delay(after: .zero, consecutiveFailures: 1) == .seconds(5))
        #expect(c.delay(after: .zero, consecutiveFailures: 3) == .seconds(20))
        #expect(c.delay(after: .zero, consecutiveFailures: 30) == .seconds(60))
        #expect(MonitorConfiguration(interval: .seconds(1)).tickTimeout == .seconds(10))
    }
}
