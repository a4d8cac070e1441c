import Foundation
import Logging
import Synchronization
import OperatorCore
import OperatorTestSupport
import Testing

/// The replica coordinator over a real SQLite lease table, rounds driven one at a time (no timing): shares,
/// spreading when replicas join, hand-over when one stops renewing, and release on shutdown.
@Suite("Lease coordinator")
struct LeaseCoordinatorTests {
    /// What runs where: every role's work records its start and its stop, per replica.
    actor WorkLog {
        private(set) var running: [String: Set<String>] = [:]  // replica -> leases
        private(set) var starts = 0

        func started(_ lease: String, on replica: String) {
            running[replica, default: []].insert(lease)
            starts += 1
        }
        func stopped(_ lease: String, on replica: String) { running[replica]?.remove(lease) }
        func runningOn(_ replica: String) -> Set<String> { running[replica] ?? [] }
        /// Every lease with the replicas running its work now.
        func watchers() -> [String: [String]] {
            var out: [String: [String]] = [:]
            for (replica, leases) in running { for lease in leases { out[lease, default: []].append(replica) } }
            return out
        }
    }

    static let clusters = (1...6).map { "c\($0)" }

    static func roles(replica: String, log: WorkLog, clusters: [String] = clusters, fences: [String: LeaseFence] = [:]) -> [LeasedRole] {
        let work: (String) -> LeasedRole.Work = { lease in
            {
                await log.started(lease, on: replica)
                try? await Task.sleep(for: .seconds(3600))  // until cancelled
                await log.stopped(lease, on: replica)
            }
        }
        return clusters.map {
            LeasedRole(lease: LeaseName.cluster($0), shared: true, fence: fences[$0], run: work(LeaseName.cluster($0)))
        }
            + [LeasedRole(lease: LeaseName.outbox, shared: false, run: work(LeaseName.outbox))]
    }

    static func coordinator(
        _ replica: String, store: SQLiteTicketStore, log: WorkLog, duration: Duration = .seconds(30),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) -> LeaseCoordinator {
        LeaseCoordinator(
            store: store, roles: roles(replica: replica, log: log),
            configuration: .init(replica: replica, duration: duration), logger: Logger(label: "test"), wallClock: clock)
    }

    /// Polls (work starts in its own task) until `condition` holds; the limit is a hang guard only.
    static func eventually(_ what: String, _ condition: @escaping @Sendable () async throws -> Bool) async throws {
        try await withHangGuard(limit: .seconds(120)) {
            while try await !condition() { try await Task.sleep(for: .milliseconds(20)) }
        }
    }

    @Test func theShareIsTheCeilingOfClustersOverLiveReplicas() {
        #expect(LeaseShare.target(shared: 6, liveReplicas: 3) == 2)
        #expect(LeaseShare.target(shared: 6, liveReplicas: 2) == 3)
        #expect(LeaseShare.target(shared: 7, liveReplicas: 3) == 3)
        #expect(LeaseShare.target(shared: 6, liveReplicas: 4) == 2)
        #expect(LeaseShare.target(shared: 6, liveReplicas: 0) == 6)  // a replica counts itself
        #expect(LeaseShare.target(shared: 0, liveReplicas: 3) == 0)
        #expect(LeaseShare.extras(held: ["cluster:c3", "cluster:c1", "cluster:c2"], share: 2) == ["cluster:c3"])
        #expect(LeaseShare.extras(held: ["cluster:c1"], share: 2).isEmpty)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let leases = [
            Lease(name: "replica:a", holder: "a", acquiredAt: now, expiresAt: now.addingTimeInterval(5), generation: 1),
            Lease(name: "replica:b", holder: "b", acquiredAt: now, expiresAt: now.addingTimeInterval(-1), generation: 1),
            Lease(name: "cluster:c1", holder: "a", acquiredAt: now, expiresAt: now.addingTimeInterval(5), generation: 1),
        ]
        #expect(LeaseShare.liveReplicas(leases, at: now) == 1)
    }

    @Test func aLoneReplicaTakesEveryLeaseOnItsFirstRound() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let log = WorkLog()
        let alone = Self.coordinator("a", store: store, log: log)
        try await alone.round()
        let expected = Set(Self.clusters.map(LeaseName.cluster) + [LeaseName.outbox])
        #expect(await alone.board.running == expected)
        try await Self.eventually("all work started") { await log.runningOn("a") == expected }
        await alone.stopExpired(at: .now + .seconds(3600))
        try await Self.eventually("all work stopped") { await log.runningOn("a").isEmpty }
    }

    /// Replicas join one at a time: the first holds all six, the second makes it give up three, the third
    /// makes each give up one; at every step each cluster's work runs on exactly one replica.
    @Test func clustersSpreadAsReplicasJoin() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let log = WorkLog()
        let a = Self.coordinator("a", store: store, log: log)
        let b = Self.coordinator("b", store: store, log: log)
        let c = Self.coordinator("c", store: store, log: log)
        func shared(_ coordinators: LeaseCoordinator...) async -> [Int] {
            var counts: [Int] = []
            for coordinator in coordinators { counts.append(await coordinator.board.running.filter { $0.hasPrefix("cluster:") }.count) }
            return counts
        }
        try await a.round()
        try await b.round()  // two live replicas, share 3, nothing free yet
        #expect(await shared(a, b) == [6, 0])
        try await a.round()  // over its share: gives up three after stopping them
        try await b.round()
        #expect(await shared(a, b) == [3, 3])
        try await c.round()
        try await a.round()
        try await b.round()
        try await c.round()
        #expect(await shared(a, b, c) == [2, 2, 2])
        // The outbox stays with whoever had it.
        #expect(await a.board.running.contains(LeaseName.outbox))
        try await Self.eventually("each lease's work runs on exactly one replica") {
            let watchers = await log.watchers()
            return watchers.count == 7 && watchers.values.allSatisfy { $0.count == 1 }
        }
        for coordinator in [a, b, c] { await coordinator.stopExpired(at: .now + .seconds(3600)) }
    }

    /// Replica a stops renewing (killed, stalled): its own expiry watch stops its work when the lease runs
    /// out, and b, whose clock has passed a's expiry, takes a's leases with a new generation; a, back,
    /// learns it lost them and does not start them again while b holds them.
    @Test func aReplicaThatStopsRenewingHandsOver() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let log = WorkLog()
        let later = Clock(offset: 0)
        let a = Self.coordinator("a", store: store, log: log, duration: .seconds(30))
        let b = Self.coordinator("b", store: store, log: log, duration: .seconds(30)) { later.now() }
        try await a.round()
        try await b.round()
        #expect(await b.board.running.isEmpty)
        // Thirty seconds on: nothing of a's was renewed.
        await a.stopExpired(at: .now + .seconds(30))
        #expect(await a.board.running.isEmpty)
        later.set(offset: 31)
        try await b.round()
        let all = Set(Self.clusters.map(LeaseName.cluster) + [LeaseName.outbox])
        #expect(await b.board.running == all)
        #expect(try await store.leases().filter { $0.name.hasPrefix("cluster:") }.allSatisfy { $0.holder == "b" && $0.generation == 2 })
        try await a.round()  // a's clock is behind b's leases: they are live, a takes nothing
        #expect(await a.board.running.isEmpty)
        try await Self.eventually("b runs everything, a nothing") {
            let onB = await log.runningOn("b"), onA = await log.runningOn("a")
            return onB == all && onA.isEmpty
        }
        await b.stopExpired(at: .now + .seconds(3600))
    }

    /// A renewal that finds the lease in another replica's hands stops the work at once.
    @Test func aRenewalThatFindsAnotherHolderStopsTheWork() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let log = WorkLog()
        let a = Self.coordinator("a", store: store, log: log, duration: .seconds(30))
        try await a.round()
        // Another replica took c1 after a's lease expired in the database (a's own watch not yet fired).
        try await store.releaseLease(LeaseName.cluster("c1"), holder: "a")
        _ = try await store.acquireLease(LeaseName.cluster("c1"), holder: "z", duration: .seconds(300), now: Date())
        try await a.round()
        #expect(await !a.board.running.contains(LeaseName.cluster("c1")))
        try await Self.eventually("c1's work stopped on a") { await !log.runningOn("a").contains(LeaseName.cluster("c1")) }
        await a.stopExpired(at: .now + .seconds(3600))
    }

    /// A holder the composition root knows is gone (a killed replica's process on this machine): its live
    /// leases are released for it on the first round and taken at once, not after they expire.
    @Test func leasesOfAGoneHolderAreTakenAtOnce() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let log = WorkLog()
        let now = Date()
        for lease in Self.clusters.map(LeaseName.cluster) + [LeaseName.replica("dead"), LeaseName.replica("alive")] {
            _ = try await store.acquireLease(lease, holder: lease == LeaseName.replica("alive") ? "alive" : "dead", duration: .seconds(300), now: now)
        }
        var configuration = LeaseCoordinator.Configuration(replica: "a", duration: .seconds(30))
        configuration.holderIsGone = { $0 == "dead" }
        let a = LeaseCoordinator(store: store, roles: Self.roles(replica: "a", log: log), configuration: configuration, logger: Logger(label: "test"))
        try await a.round()
        // Two live replicas (a and alive): a takes its share of three, not all six.
        #expect(await a.board.running.filter { $0.hasPrefix("cluster:") }.count == 3)
        #expect(try await store.leases().filter { $0.holder == "dead" }.allSatisfy { !$0.isLive(at: Date()) })
        await a.stopExpired(at: .now + .seconds(3600))
    }

    /// Cancelling the service (what a clean shutdown ends in) stops the work and releases every lease at
    /// once: another replica takes them without waiting for expiry.
    @Test func shutdownReleasesEveryLease() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let log = WorkLog()
        let a = Self.coordinator("a", store: store, log: log, duration: .seconds(300))
        let running = Task { try await a.run() }
        try await Self.eventually("first round done") { await a.board.rounds > 0 }
        running.cancel()
        _ = try? await running.value
        #expect(await log.runningOn("a").isEmpty)
        let now = Date()
        #expect(try await store.leases().allSatisfy { !$0.isLive(at: now) })
        let b = Self.coordinator("b", store: store, log: log, duration: .seconds(300))
        try await b.round()
        #expect(await b.board.running.count == 7)
        await b.stopExpired(at: .now + .seconds(3600))
    }

    /// A wall clock a test can move forward.
    final class Clock: Sendable {
        private let offset: Mutex<TimeInterval>
        init(offset: TimeInterval) { self.offset = Mutex(offset) }
        func set(offset: TimeInterval) { self.offset.withLock { $0 = offset } }
        func now() -> Date { Date().addingTimeInterval(offset.withLock { $0 }) }
    }
}
