import Foundation
import Logging
import Synchronization
import OperatorCore
import OperatorTestSupport
import Testing

/// The lease store going away under replicas (a PostgreSQL restart, a network cut between one replica and
/// it), rounds driven one at a time over a real SQLite lease table: monitors keep watching past their
/// leases, their fences write only what no other replica watched, and replicas that lost the store together
/// keep their own clusters when it is back.
@Suite("Lease store outage")
struct LeaseStoreOutageTests {
    typealias Leases = LeaseCoordinatorTests

    /// The real store behind a switch: while `down`, every call fails as a refused connection would.
    final class SwitchedLeaseStore: LeaseStore {
        struct Unreachable: Error, CustomStringConvertible {
            var description: String { "connection refused (test switch)" }
        }
        let store: SQLiteTicketStore
        private let isDown = Mutex(false)
        init(_ store: SQLiteTicketStore) { self.store = store }
        func set(down: Bool) { isDown.withLock { $0 = down } }
        private func check() throws { if isDown.withLock({ $0 }) { throw Unreachable() } }

        func acquireLease(_ name: String, holder: String, duration: Duration, now: Date) async throws -> Lease {
            try check()
            return try await store.acquireLease(name, holder: holder, duration: duration, now: now)
        }
        func releaseLease(_ name: String, holder: String) async throws {
            try check()
            try await store.releaseLease(name, holder: holder)
        }
        func leases() async throws -> [Lease] {
            try check()
            return try await store.leases()
        }
    }

    static func fences(_ replica: String, store: any LeaseStore) -> [String: LeaseFence] {
        Dictionary(uniqueKeysWithValues: Leases.clusters.map { ($0, LeaseFence(lease: LeaseName.cluster($0), replica: replica, store: store)) })
    }

    static func coordinator(
        _ replica: String, store: any LeaseStore, log: Leases.WorkLog, fences: [String: LeaseFence],
        clock: Leases.Clock, grace: Duration? = nil
    ) -> LeaseCoordinator {
        var configuration = LeaseCoordinator.Configuration(replica: replica, duration: .seconds(30))
        configuration.recoveryGrace = grace
        return LeaseCoordinator(
            store: store, roles: Leases.roles(replica: replica, log: log, fences: fences), configuration: configuration,
            logger: Logger(label: "test"), wallClock: { clock.now() })
    }

    static let clusterLeases = Set(Leases.clusters.map(LeaseName.cluster))

    /// Replica a loses the store (b does not): a's monitors keep running past their leases, b takes them over;
    /// once a reaches the store again its fence writes the ticks a observed before b took over and refuses
    /// those after, and a's next round stops its monitors.
    @Test func aMonitorKeepsWatchingThroughAnOutageAndItsFenceRefusesWhatAnotherReplicaWatched() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let switched = SwitchedLeaseStore(store)
        let log = Leases.WorkLog()
        let aClock = Leases.Clock(offset: 0)
        let fences = Self.fences("a", store: switched)
        let a = Self.coordinator("a", store: switched, log: log, fences: fences, clock: aClock)
        try await a.round()
        let c1 = try #require(fences["c1"])
        let start = Date()
        #expect(try await c1.admits(observedAt: start.addingTimeInterval(10)) == .write)

        switched.set(down: true)
        // Covered by the last renewal: no need to ask the store.
        #expect(try await c1.admits(observedAt: start.addingTimeInterval(10)) == .write)
        await #expect(throws: SwitchedLeaseStore.Unreachable.self) { try await a.round() }
        await a.stopExpired(at: .now + .seconds(3600))
        // Fenced monitors run on; the outbox (no fence: it cannot deliver without the store) stops.
        try await Leases.eventually("a's monitors still run, its outbox stopped") { await log.runningOn("a") == Self.clusterLeases }
        #expect(await a.board.running == Self.clusterLeases)
        // Observed after the lease ran out: undecidable until the store answers, so the tick stays pending.
        await #expect(throws: SwitchedLeaseStore.Unreachable.self) { try await c1.admits(observedAt: start.addingTimeInterval(40)) }

        // b reaches the store, its clock past a's expiry: it takes everything.
        let bClock = Leases.Clock(offset: 60)
        let b = Leases.coordinator("b", store: store, log: log, duration: .seconds(30)) { bClock.now() }
        try await b.round()
        #expect(await b.board.running == Self.clusterLeases.union([LeaseName.outbox]))
        let takenAt = try #require(try await store.lease(named: LeaseName.cluster("c1"))).acquiredAt
        #expect(try await store.lease(named: LeaseName.cluster("c1"))?.holder == "b")

        switched.set(down: false)
        #expect(try await c1.admits(observedAt: takenAt.addingTimeInterval(-1)) == .write, "observed while a alone watched")
        let refused = try await c1.admits(observedAt: takenAt.addingTimeInterval(1))
        guard case .refuse(let why) = refused else {
            Issue.record("a tick a observed after b took c1 over was admitted")
            return
        }
        #expect(why.contains("replica b") && why.contains("cluster:c1"), "\(why)")

        try await a.round()
        try await Leases.eventually("a's monitors stopped") { await log.runningOn("a").isEmpty }
        #expect(await a.board.running.isEmpty)
        #expect(await log.watchers().values.allSatisfy { $0 == ["b"] })
        await b.stopExpired(at: .now + .seconds(3600))
    }

    /// Both replicas lose the store for longer than their leases: each keeps watching its own clusters, and
    /// when the store is back the first to reconnect does not take the other's expired leases (it would
    /// otherwise: the other's replica lease has expired too, so it counts itself alone). Once the grace is
    /// over, leases of a replica that really did not come back are taken as usual.
    @Test func replicasThatLostTheStoreTogetherKeepTheirOwnClusters() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let switched = SwitchedLeaseStore(store)
        let log = Leases.WorkLog()
        let clock = Leases.Clock(offset: 0)
        let grace = Duration.milliseconds(300)
        let a = Self.coordinator("a", store: switched, log: log, fences: Self.fences("a", store: switched), clock: clock, grace: grace)
        let b = Self.coordinator("b", store: switched, log: log, fences: Self.fences("b", store: switched), clock: clock, grace: grace)
        try await a.round()
        try await b.round()
        try await a.round()
        try await b.round()
        try await Leases.eventually("three clusters each") {
            let onA = await log.runningOn("a").intersection(Self.clusterLeases), onB = await log.runningOn("b").intersection(Self.clusterLeases)
            return onA.count == 3 && onB.count == 3
        }
        let aBefore = await a.board.running.intersection(Self.clusterLeases)
        let generations = Dictionary(uniqueKeysWithValues: try await store.leases().map { ($0.name, $0.generation) })

        switched.set(down: true)
        await #expect(throws: SwitchedLeaseStore.Unreachable.self) { try await a.round() }
        await #expect(throws: SwitchedLeaseStore.Unreachable.self) { try await b.round() }
        clock.set(offset: 60)  // every lease, the replicas' own included, ran out during the outage
        await a.stopExpired(at: .now + .seconds(3600))
        await b.stopExpired(at: .now + .seconds(3600))
        #expect(await a.board.running.intersection(Self.clusterLeases) == aBefore)

        switched.set(down: false)
        try await b.round()  // b first: a has not renewed anything yet
        #expect(await b.board.running.intersection(Self.clusterLeases) == Self.clusterLeases.subtracting(aBefore), "b took a's clusters")
        try await a.round()
        #expect(await a.board.running.intersection(Self.clusterLeases) == aBefore)
        let after = try await store.leases()
        for lease in after where lease.name.hasPrefix("cluster:") {
            #expect(lease.generation == generations[lease.name], "\(lease.name) changed hands: \(lease)")
        }
        #expect(await log.watchers().filter { $0.key.hasPrefix("cluster:") }.values.allSatisfy { $0.count == 1 })

        // After the grace, a replica that stopped renewing loses its clusters as it always would.
        try await Task.sleep(for: grace * 2)
        clock.set(offset: 120)
        try await b.round()
        #expect(await b.board.running.isSuperset(of: Self.clusterLeases))
        await a.stopExpired(at: .now + .seconds(3600))
        await b.stopExpired(at: .now + .seconds(3600))
    }
}
