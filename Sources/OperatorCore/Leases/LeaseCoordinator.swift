import Foundation
import Logging
import ServiceLifecycle

/// One replica's side of sharing work by lease. Every `renewEvery` (a third of the lease) a round renews
/// `replica:NAME`, counts the live replicas, renews what this replica runs, gives up what is over its
/// share (`LeaseShare.target`, so a replica that joins gets work) and takes free leases up to it; a role
/// starts when its lease is won and stops when it is lost. The first round runs at once, before any work.
///
/// Never two holders at work: a role whose lease was not renewed in time stops when its lease runs out
/// (`validUntil`, measured on this process's monotonic clock from before the write that set the row's
/// expiry), even while the round that should renew it hangs on the database; a lease is given up only
/// after its work has stopped. A clean shutdown stops the work and releases every lease at once, so other
/// replicas need not wait for them to expire.
///
/// Never two writers, through a store outage: a role with a `LeaseFence` (a cluster's monitor) keeps
/// running when its lease runs out unrenewed, since the store it would write to is the one that cannot be
/// reached; it keeps its ticks in memory and every one passes the fence on its way in, so ticks observed
/// after another replica took the cluster over are never written. It stops when a round finds the lease
/// held by someone else. After an outage, a replica leaves other replicas' leases alone for one lease
/// duration: they lost the store too, and renew theirs on their own first round back, rather than every
/// cluster moving to whichever replica reconnected first.
public actor LeaseCoordinator: Service {
    public struct Configuration: Sendable {
        public var replica: String
        public var duration: Duration
        /// Work stops this long before its lease would expire, so a replica taking the expired lease never
        /// overlaps it.
        public var stopMargin: Duration

        public init(replica: String, duration: Duration, stopMargin: Duration? = nil) {
            self.replica = replica
            self.duration = duration
            self.stopMargin = stopMargin ?? min(Duration.seconds(1), duration / 10)
        }

        /// Whether a lease holder is known dead without waiting for its leases to expire: the CLI knows a
        /// default-named replica on this machine (`HOST-PID`) whose process is gone. Its leases are
        /// released for it, so a single `serve` restarted after a crash starts watching at once.
        public var holderIsGone: @Sendable (String) -> Bool = { _ in false }

        /// After a store outage, how long other replicas' leases are left to them (default: one lease).
        public var recoveryGrace: Duration?

        /// A third of the lease: two renewals can fail before the lease runs out.
        public var renewEvery: Duration { duration / 3 }
    }

    private struct Running {
        let task: Task<Void, Never>
        let id: Int
        var validUntil: ContinuousClock.Instant
        let generation: Int64
        let fence: LeaseFence?
        /// A fenced role kept running after its lease ran out unrenewed (logged once).
        var pastExpiry = false
    }

    /// Whether the last round reached the store, and since when it has not.
    private enum StoreReach {
        case reached
        case unreachable(since: ContinuousClock.Instant)
    }

    public nonisolated let configuration: Configuration
    public nonisolated let board: ReplicaLeaseBoard
    private let store: any LeaseStore
    private let roles: [LeasedRole]
    private let logger: Logger
    private var running: [String: Running] = [:]
    /// Work started (by id) whose task has not yet returned: what a release waits for.
    private var unfinished: Set<Int> = []
    private var nextWorkID = 0
    private var failure: (any Error)?
    private var reach = StoreReach.reached
    /// Until then, leases other replicas held are left to them (see the type's comment).
    private var recoveryGraceUntil: ContinuousClock.Instant?
    /// The time written into lease rows. Replicas compare expiries on the database's rows, so their clocks
    /// must agree to well within the stop margin (NTP does); tests move one replica's clock instead of waiting.
    private let wallClock: @Sendable () -> Date

    public init(
        store: any LeaseStore, roles: [LeasedRole], configuration: Configuration, logger: Logger,
        wallClock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.wallClock = wallClock
        self.store = store
        self.roles = roles.sorted { $0.lease < $1.lease }
        self.configuration = configuration
        self.board = ReplicaLeaseBoard(replica: configuration.replica)
        var logger = logger
        logger[metadataKey: "replica"] = "\(configuration.replica)"
        self.logger = logger
    }

    private var name: String { configuration.replica }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.roundLoop() }
                group.addTask { await self.expiryWatch() }
                await group.next()
                group.cancelAll()
            }
        }
        // Give up everything at once, even when cancelled: unstructured, so the cancellation does not reach it.
        await Task { await self.shutDown() }.value
        if let failure { throw failure }
    }

    // MARK: rounds

    private func roundLoop() async {
        while !Task.isCancelled, failure == nil {
            let started = ContinuousClock.now
            try? await round()
            try? await Task.sleep(until: started + configuration.renewEvery, clock: .continuous)
        }
    }

    /// One round, counted on the board whether it succeeded or not (the replica has tried its leases);
    /// public so tests can drive rounds one at a time without the loop's timing.
    public func round() async throws {
        let started = ContinuousClock.now
        do {
            try await leaseRound()
        } catch {
            roundFailed(error, at: started)
            await board.roundTried()
            throw error
        }
        await board.roundTried()
    }

    /// The first failure of an outage is a warning; the rest wait for the outage's end, logged once too.
    private func roundFailed(_ error: any Error, at started: ContinuousClock.Instant) {
        guard case .reached = reach else {
            logger.debug("lease round failed again", metadata: ["error": "\(error)"])
            return
        }
        reach = .unreachable(since: started)
        logger.warning(
            "lease store unreachable: leases cannot be renewed; monitors keep watching and keep their ticks until it is back (written then unless another replica took their cluster over meanwhile); other work stops when its lease runs out",
            metadata: ["error": "\(error)"])
    }

    private func roundReached() {
        guard case .unreachable(let since) = reach else { return }
        reach = .reached
        let now = ContinuousClock.now
        recoveryGraceUntil = now + (configuration.recoveryGrace ?? configuration.duration)
        logger.notice(
            "lease store reachable again; other replicas' leases are left to them for one lease duration",
            metadata: ["outage": "\(DurationText.format(now - since))"])
    }

    private func leaseRound() async throws {
        let replica = try await take(LeaseName.replica(name)).lease
        roundReached()
        guard replica.holder == name else {
            logger.error(
                "another live replica uses this replica's name; taking no work until its lease expires",
                metadata: ["lease": "\(replica.name)", "expires_at": "\(replica.expiresAt)"])
            for lease in running.keys { await stopAndRelease(lease, reason: "replica name in use elsewhere") }
            return
        }
        let now = wallClock()
        var table = try await store.leases()
        let gone = table.filter { $0.holder != name && $0.isLive(at: now) && configuration.holderIsGone($0.holder) }
        for lease in gone {
            try await store.releaseLease(lease.name, holder: lease.holder)
            logger.notice("released the lease of a replica that is gone", metadata: ["lease": "\(lease.name)", "holder": "\(lease.holder)"])
        }
        if !gone.isEmpty { table = try await store.leases() }
        let live = LeaseShare.liveReplicas(table, at: now)
        let share = LeaseShare.target(shared: roles.filter(\.shared).count, liveReplicas: live)

        for lease in running.keys.sorted() {
            guard let held = running[lease] else { continue }  // stopped by the expiry watch meanwhile
            let (after, validUntil, coveredUntil) = try await take(lease)
            guard running[lease]?.task == held.task else { continue }
            if after.holder == name && after.generation == held.generation {
                running[lease]?.validUntil = validUntil
                held.fence?.cover(until: coveredUntil)
                if held.pastExpiry {
                    running[lease]?.pastExpiry = false
                    logger.notice("lease renewed after running out; nobody took it over", metadata: ["lease": "\(lease)"])
                }
            } else {
                stop(lease, reason: "lease now held by \(after.holder) (generation \(after.generation))")
            }
        }

        let sharedHeld = running.keys.filter { lease in roles.contains { $0.lease == lease && $0.shared } }
        for lease in LeaseShare.extras(held: sharedHeld, share: share) {
            await stopAndRelease(lease, reason: "over this replica's share of \(share) (\(live) live replicas)")
        }

        let holders = Dictionary(table.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var holding = running.keys.filter { lease in roles.contains { $0.lease == lease && $0.shared } }.count
        let inGrace = recoveryGraceUntil.map { ContinuousClock.now < $0 } ?? false
        for role in roles where running[role.lease] == nil {
            if role.shared && holding >= share { continue }
            if let other = holders[role.lease], other.holder != name {
                // The grace spares leases that ran out on the clock (their holder may be coming back from the
                // same outage), not released ones (a clean stop, or a holder known gone: expiry at the epoch).
                let ranOut = other.expiresAt > other.acquiredAt
                if other.isLive(at: wallClock()) || (inGrace && ranOut) { continue }
            }
            let (after, validUntil, coveredUntil) = try await take(role.lease)
            guard after.holder == name, running[role.lease] == nil else { continue }
            role.fence?.cover(until: coveredUntil)
            start(role, generation: after.generation, validUntil: validUntil)
            if role.shared { holding += 1 }
        }
        await publish()
    }

    /// Takes or renews one lease; `validUntil` is when this process must stop its work if it hears nothing
    /// more: the lease's duration counted from before the write, on the monotonic clock; `coveredUntil` the
    /// same on the wall clock less the stop margin, for the fence (tick observation times are wall-clock).
    private func take(_ lease: String) async throws -> (lease: Lease, validUntil: ContinuousClock.Instant, coveredUntil: Date) {
        let started = ContinuousClock.now
        let wallStart = wallClock()
        let after = try await store.acquireLease(lease, holder: name, duration: configuration.duration, now: wallStart)
        let covered = wallStart.addingTimeInterval((configuration.duration - configuration.stopMargin).seconds)
        return (after, started + configuration.duration, covered)
    }

    // MARK: work

    private func start(_ role: LeasedRole, generation: Int64, validUntil: ContinuousClock.Instant) {
        let lease = role.lease
        let work = role.run
        nextWorkID += 1
        let id = nextWorkID
        unfinished.insert(id)
        let task = Task {
            do {
                try await work()
            } catch is CancellationError {
                // Stopped: by us, or by the process shutting down.
            } catch {
                if !Task.isCancelled { self.workFailed(lease, error: error) }
            }
            self.workEnded(id)
        }
        running[lease] = Running(task: task, id: id, validUntil: validUntil, generation: generation, fence: role.fence)
        logger.notice("lease taken; work started", metadata: ["lease": "\(lease)", "generation": "\(generation)"])
    }

    private func workEnded(_ id: Int) { unfinished.remove(id) }

    /// Waits until the work has returned, at most `limit` (work that ignores cancellation must not hold the
    /// round or the shutdown forever); true when it has.
    private func waitForEnd(_ ids: [Int], limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ids.contains(where: unfinished.contains) {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    private func workFailed(_ lease: String, error: any Error) {
        logger.error("work under a lease failed; stopping the replica", metadata: ["lease": "\(lease)", "error": "\(error)"])
        if failure == nil { failure = error }
    }

    /// Stops the work at once, without waiting for it to wind down: its lease is gone or about to be.
    private func stop(_ lease: String, reason: String) {
        guard let held = running.removeValue(forKey: lease) else { return }
        held.task.cancel()
        logger.warning("work stopped", metadata: ["lease": "\(lease)", "reason": "\(reason)"])
    }

    /// Stops the work, waits until it has wound down, then gives the lease up for another replica. Work that
    /// has not returned within the stop margin keeps its lease until the row expires: never two watchers.
    private func stopAndRelease(_ lease: String, reason: String) async {
        guard let held = running.removeValue(forKey: lease) else { return }
        held.task.cancel()
        guard await waitForEnd([held.id], limit: max(configuration.stopMargin, Duration.milliseconds(500))) else {
            logger.warning("work did not stop when asked; its lease is left to expire", metadata: ["lease": "\(lease)"])
            return
        }
        do {
            try await store.releaseLease(lease, holder: name)
            logger.notice("lease released", metadata: ["lease": "\(lease)", "reason": "\(reason)"])
        } catch {
            logger.warning("lease release failed; it expires on its own", metadata: ["lease": "\(lease)", "error": "\(error)"])
        }
    }

    private func publish() async {
        await board.setRunning(Set(running.keys))
    }

    // MARK: expiry and shutdown

    private func expiryWatch() async {
        let step = max(Duration.milliseconds(50), min(Duration.seconds(1), configuration.duration / 12))
        while !Task.isCancelled {
            await stopExpired(at: .now)
            try? await Task.sleep(for: step)
        }
    }

    /// Stops every role whose lease was not renewed in time; public so tests can drive it.
    public func stopExpired(at now: ContinuousClock.Instant) async {
        var stopped = false
        for (lease, held) in running where held.validUntil - configuration.stopMargin <= now {
            guard held.fence == nil else {
                if !held.pastExpiry {
                    running[lease]?.pastExpiry = true
                    logger.warning(
                        "lease ran out unrenewed; its monitor keeps watching and keeps its ticks, written once the store answers unless another replica took the cluster over",
                        metadata: ["lease": "\(lease)"])
                }
                continue
            }
            stop(lease, reason: "lease not renewed before it expires")
            stopped = true
        }
        if stopped { await publish() }
    }

    /// Everything stopped at once, then released: within a second, inside the service group's shutdown budget.
    private func shutDown() async {
        let held = running
        running = [:]
        for work in held.values { work.task.cancel() }
        _ = await waitForEnd(held.values.map(\.id), limit: .seconds(1))
        for (lease, work) in held.sorted(by: { $0.key < $1.key }) {
            guard !unfinished.contains(work.id) else {
                logger.warning("work did not stop when asked; its lease is left to expire", metadata: ["lease": "\(lease)"])
                continue
            }
            do {
                try await store.releaseLease(lease, holder: name)
                logger.notice("lease released", metadata: ["lease": "\(lease)", "reason": "shutting down"])
            } catch {
                logger.warning("lease release failed; it expires on its own", metadata: ["lease": "\(lease)", "error": "\(error)"])
            }
        }
        do {
            try await store.releaseLease(LeaseName.replica(name), holder: name)
        } catch {
            logger.warning("replica lease release failed; it expires on its own", metadata: ["error": "\(error)"])
        }
        await publish()
    }
}
