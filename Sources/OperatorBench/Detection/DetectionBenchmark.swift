import DeployLocal
import Foundation
import Logging
import OperatorCore
import OperatorHTTP
import ServiceLifecycle
import SubjectEtcd
import Synchronization

/// `operator bench detection` as a ServiceLifecycle service: deploys a local 3-member etcd cluster, starts
/// Prometheus and Alertmanager against it and Operator's monitor in-process, kills members one at a time
/// and times both systems on the same kills.
///
/// Everything it starts is recorded as it starts and stopped by pid when `run()` ends — normally, on
/// error, or when the ServiceGroup shuts down on SIGINT/SIGTERM (the measurement is cancelled, the
/// clean-up runs in a task of its own so cancellation cannot cut it short).
public final class DetectionBenchmark: Service {
    public struct Options: Sendable {
        public var kills = 10
        public var members = 3
        public var interval: Duration = .seconds(1)
        /// Per kill, for each system to report it.
        public var killTimeout: Duration = .seconds(60)
        /// Per kill, for the member to be healthy again and both systems to report it back.
        public var recoveryTimeout: Duration = .seconds(90)
        /// Alertmanager removes an emptied alert group only at its 30 s maintenance; until then a new alert
        /// for the same instance waits for group_interval instead of group_wait. Waiting this long after a
        /// member's resolved webhook before killing it again keeps kills independent.
        public var alertGroupCooldown: Duration = .seconds(31)
        /// Keep state, logs and the database here (a fresh temporary directory when nil).
        public var workDirectory: String?
        public var keep = false
        /// What the monitor's tick timeouts name as pending (the production tracker, chosen by the composition root).
        public var pendingWork: (any PendingWorkTracker)?
        /// Minutes of the healthy run after the kills (graceful member restarts; tickets on other members
        /// are false); 0 skips it.
        public var healthyMinutes: Double = 10
        /// Store kills on the TiKV simulator (liveness signal against PD's view); 0 skips that part.
        public var simulatorKills = 5
        /// Stores of the simulated cluster whose idle held connections are measured for CPU; 0 skips it.
        public var idleStores = 100
        public var idleDuration: Duration = .seconds(60)

        public init() {}
    }

    public struct Interrupted: Error, CustomStringConvertible {
        public var description: String { "interrupted; everything the benchmark started was stopped" }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    let options: Options
    private let receiver: AlertWebhookReceiver
    let logger: Logger
    let progress: @Sendable (String) -> Void
    private let result = Mutex<DetectionReport?>(nil)
    private let cleanup = Mutex<Cleanup>(Cleanup())

    /// What to stop and remove at the end; filled in as things start.
    private struct Cleanup {
        var directory: String?
        var removeDirectory = false
        var deployment: (any Deployment)?
        var alerting: AlertingStack?
    }

    init(options: Options, receiver: AlertWebhookReceiver, logger: Logger, progress: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.receiver = receiver
        self.logger = logger
        self.progress = progress
    }

    /// The report, once `run()` has returned normally.
    public var report: DetectionReport? { result.withLock { $0 } }

    public func run() async throws {
        do {
            let report = try await cancelWhenGracefulShutdown { try await self.measure() }
            result.withLock { $0 = report }
        } catch {
            let interrupted = Task.isShuttingDownGracefully || Task.isCancelled
            await stopEverything()
            if interrupted { throw Interrupted() }
            throw error
        }
        await stopEverything()
    }

    /// Stops what was started, in a task of its own: cancellation of `run()` must not skip it.
    private func stopEverything() async {
        let work = cleanup.withLock { c in
            defer { c = Cleanup() }
            return c
        }
        let logger = self.logger
        let progress = self.progress
        let keep = options.keep
        await Task {
            await work.alerting?.stop()
            if let deployment = work.deployment {
                do {
                    try await deployment.down(removeState: !keep)
                } catch {
                    logger.error("could not stop the etcd members", metadata: ["error": "\(error)"])
                }
            }
            if let directory = work.directory {
                if work.removeDirectory && !keep {
                    try? FileManager.default.removeItem(atPath: directory)
                } else {
                    progress("state, logs and database kept in \(directory)")
                }
            }
        }.value
    }

    // MARK: - Measurement

    private func measure() async throws -> DetectionReport {
        let started = ContinuousClock.now
        guard ExecutableLookup.find("etcd") != nil else {
            throw Failure(description: "etcd is not installed; \(EtcdProcessRecipe.installHint)")
        }
        guard AlertingStack.executables() != nil else {
            throw Failure(description: "prometheus or alertmanager is not installed; \(AlertingStack.installHint)")
        }
        let directory = try options.workDirectory ?? WorkDirectory(prefix: "operator-bench-detection").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        cleanup.withLock {
            $0.directory = directory
            $0.removeDirectory = options.workDirectory == nil
        }
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

        guard let webhookPort = await receiver.port() else {
            throw Failure(description: "the webhook receiver did not start on 127.0.0.1")
        }
        let webhookURL = "http://127.0.0.1:\(webhookPort)\(AlertWebhookReceiver.path)"

        // etcd members on a free block of ports (client base+2i, peer base+2i+1).
        let registration = EtcdRegistration.registration
        guard let recipe = registration.deployments["process"] else {
            throw Failure(description: "the etcd subject offers no process deployment recipe")
        }
        guard let base = LocalPorts.freeBlock(count: 2 * options.members) else {
            throw Failure(description: "no block of \(2 * options.members) free loopback ports for etcd")
        }
        let plan = try recipe.plan(DeploymentOptions(members: options.members, basePort: base, stateDirectory: path("etcd")))
        guard case .processes(let processPlan) = plan else {
            throw Failure(description: "the etcd process recipe did not plan local processes")
        }
        let deployment = try LocalDeployments.make(plan: plan, stateDirectory: path("etcd"), logger: logger)
        cleanup.withLock { $0.deployment = deployment }
        progress("starting \(options.members) etcd members in \(path("etcd"))")
        let status = try await deployment.up(progress: { [progress] in progress("  \($0)") })
        let members = processPlan.members.map { Member(entity: $0.entity, endpoint: $0.endpoint) }

        let alerting = AlertingStack(directory: path("alerting"), logger: logger)
        try FileManager.default.createDirectory(atPath: alerting.directory, withIntermediateDirectories: true)
        cleanup.withLock { $0.alerting = alerting }
        progress("starting Prometheus and Alertmanager (webhook \(webhookURL))")
        try await alerting.start(targets: members.map(\.instance), webhookURL: webhookURL, progress: { [progress] in progress("  \($0)") })

        // Operator: the etcd subject from the registry, the production monitor loop, a temporary database.
        let configuration = SubjectConfiguration(endpoints: status.endpoints, logger: logger)
        guard let subject = try registration.make(configuration) as? EtcdSubject else {
            throw Failure(description: "the registry's etcd subject is not the etcd subject this benchmark knows")
        }
        // Two monitors on the same cluster and the same kills: polling only, and with liveness signals
        // (each its own database, same interval), so the two modes are compared on identical events.
        let store = try SQLiteTicketStore(path: path("operator.db"))
        let watch = TicketWatch()
        let latest = LatestSnapshot<EtcdSnapshot>()
        let monitor = MonitorService(
            subject: subject, store: store,
            configuration: MonitorConfiguration(interval: options.interval, policy: Self.policy, livenessSignals: false), logger: logger,
            latest: latest, onTick: { watch.record($0) }, pendingWork: options.pendingWork)
        guard let eventSubject = try registration.make(configuration) as? EtcdSubject else {
            throw Failure(description: "the registry's etcd subject is not the etcd subject this benchmark knows")
        }
        let events = EventDrivenMonitor(store: try SQLiteTicketStore(path: path("operator-events.db")))
        let eventMonitor = MonitorService(
            subject: eventSubject, store: events.store,
            configuration: MonitorConfiguration(interval: options.interval, policy: Self.policy, livenessSignals: true), logger: logger,
            onTick: { events.watch.record($0) }, pendingWork: options.pendingWork)

        // Operator's notification path to the same Alertmanager (NotificationPath).
        guard let alertmanagerURL = alerting.alertmanagerURL else {
            throw Failure(description: "Alertmanager has no address after starting")
        }
        let delivery = try await NotificationPath.service(store: store, alertmanagerURL: alertmanagerURL, logger: logger)

        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await monitor.run() }
            group.addTask { try await delivery.run() }
            group.addTask { try await eventMonitor.run() }
            defer { group.cancelAll() }
            try await waitForHealthyTick(latest: latest, watch: watch)
            try await events.waitUntilWatching(members: members, timeout: options.recoveryTimeout)
            var kills: [DetectionKill] = []
            var schedule = KillSchedule(members: members.map(\.entity))
            for index in 1...options.kills {
                let kill = try await killOnce(
                    index: index, schedule: &schedule, members: members, deployment: deployment, alerting: alerting,
                    latest: latest, watch: watch, store: store, events: events)
                kills.append(kill)
                progress(
                    "kill \(index)/\(options.kills) \(kill.member)\(kill.wasLeader ? " (leader)" : ""): Operator polling \(kill.operatorSeconds.map { BenchFormat.duration($0) } ?? "timeout"), event-driven \(kill.eventSeconds.map { BenchFormat.duration($0) } ?? "timeout")\(kill.eventSignalled ? " (signal)" : ""), Prometheus+Alertmanager \(kill.alertmanagerSeconds.map { BenchFormat.duration($0) } ?? "timeout")")
            }
            let healthy = try await healthyRun(
                members: members, deployment: deployment, polling: watch, events: events.watch, latest: latest)
            let simulator = try await simulatorRun()
            let etcdVersion = await latest.value?.version?.server
            return DetectionReport(
                healthy: healthy, simulator: simulator,
                kills: kills,
                configuration: .init(
                    members: options.members, etcdVersion: etcdVersion, operatorInterval: DurationText.format(options.interval),
                    operatorInvariant: Self.invariant, killTimeout: DurationText.format(options.killTimeout),
                    alertGroupCooldown: DurationText.format(options.alertGroupCooldown)),
                elapsedSeconds: (ContinuousClock.now - started).seconds)
        }
    }

    static let invariant = "member-down"

    struct Member: Sendable {
        var entity: Entity
        var endpoint: String
        /// `host:port` of the client URL: Prometheus's `instance` label for it.
        var instance: String { URL(string: endpoint).map { "\($0.host ?? "127.0.0.1"):\($0.port ?? 2379)" } ?? endpoint }
    }

    /// Which member to kill next: every third kill (2, 5, 8, …) the current leader, otherwise the follower
    /// killed least recently; never one still in its Alertmanager cool-down unless all are.
    struct KillSchedule {
        var members: [Entity]
        var lastKilled: [Entity: Int] = [:]
        var readyAt: [Entity: ContinuousClock.Instant] = [:]

        init(members: [Entity]) { self.members = members }

        func next(index: Int, leader: String?) -> Entity {
            let wantLeader = index % 3 == 2
            var candidates = members.filter { ($0.id == leader) == wantLeader }
            if candidates.isEmpty { candidates = members }
            return candidates.min { a, b in
                let ra = readyAt[a] ?? ContinuousClock.now, rb = readyAt[b] ?? ContinuousClock.now
                if ra != rb { return ra < rb }
                let ka = lastKilled[a] ?? 0, kb = lastKilled[b] ?? 0
                return ka != kb ? ka < kb : a < b
            } ?? members[0]
        }
    }

    /// A tick that observed the cluster and found nothing wrong, so the first kill starts from green.
    private func waitForHealthyTick(latest: LatestSnapshot<EtcdSnapshot>, watch: TicketWatch) async throws {
        let deadline = ContinuousClock.now + options.recoveryTimeout
        progress("waiting for Operator's first healthy tick")
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            if let tick = watch.latestTick, tick.error == nil, let s = await latest.value,
                s.members.count == options.members, s.members.allSatisfy(\.isHealthy), s.leader != nil
            {
                return
            }
        }
        throw Failure(description: "Operator never saw a healthy cluster within \(DurationText.format(options.recoveryTimeout)); last tick: \(watch.latestTick.map { "#\($0.number) \($0.error ?? "no error")" } ?? "none")")
    }

    private func killOnce(
        index: Int, schedule: inout KillSchedule, members: [Member], deployment: any Deployment, alerting: AlertingStack,
        latest: LatestSnapshot<EtcdSnapshot>, watch: TicketWatch, store: SQLiteTicketStore, events: EventDrivenMonitor
    ) async throws -> DetectionKill {
        let leader = await latest.value?.leader?.name
        let entity = schedule.next(index: index, leader: leader)
        guard let member = members.first(where: { $0.entity == entity }) else {
            throw Failure(description: "\(entity) is not in the deployment")
        }
        if let ready = schedule.readyAt[entity], ready > ContinuousClock.now {
            progress("  waiting \(BenchFormat.duration((ready - ContinuousClock.now).seconds)) for \(entity)'s alert group to expire in Alertmanager")
            try await Task.sleep(until: ready, clock: .continuous)
        }
        let wasLeader = await latest.value?.leader?.name == entity.id
        let key = ViolationKey(invariant: Self.invariant, entity: entity)
        var notes: [String] = []

        if let url = URL(string: member.endpoint), let host = url.host,
            NodeConnectionWatch.heldConnections(to: host, port: url.port ?? 2379) == 0
        {
            notes.append("event-driven: its watch held no connection to \(entity) at the kill (still reconnecting), so no signal could come")
        }
        let killed = ContinuousClock.now
        let killedAt = Date()
        try await deployment.kill(entity)
        schedule.lastKilled[entity] = index

        // Detection: both systems, each until its first report or the deadline.
        let deadline = killed + options.killTimeout
        var opened: TicketWatch.Change?
        var eventOpened: TicketWatch.Change?
        var firing: AlertWebhookReceiver.Delivery?
        var notified: AlertWebhookReceiver.Delivery?
        while opened == nil || firing == nil || notified == nil || eventOpened == nil {
            opened = opened ?? watch.opened(key, after: killed)
            eventOpened = eventOpened ?? events.watch.opened(key, after: killed)
            firing = firing ?? receiver.first(status: "firing", alertname: AlertingStackConfig.alertName, instance: member.instance, after: killed)
            notified = notified ?? receiver.first(status: "firing", alertname: "OperatorIncident", rootEntity: entity.description, after: killed)
            if opened != nil && firing != nil && notified != nil && eventOpened != nil { break }
            if ContinuousClock.now >= deadline {
                if opened == nil { notes.append("Operator: no \(Self.invariant) ticket within \(DurationText.format(options.killTimeout))") }
                if eventOpened == nil { notes.append("Operator event-driven: no \(Self.invariant) ticket within \(DurationText.format(options.killTimeout))") }
                if firing == nil { notes.append("Alertmanager: no firing webhook within \(DurationText.format(options.killTimeout))") }
                if notified == nil { notes.append("Operator: no OperatorIncident webhook within \(DurationText.format(options.killTimeout))") }
                break
            }
            try await Task.sleep(for: .milliseconds(10))
        }

        // Recovery: restart, then wait until the member is healthy and both systems reported it back.
        let restarted = ContinuousClock.now
        try await deployment.restart(entity)
        let recoveryDeadline = restarted + options.recoveryTimeout
        var ticketResolved = false
        var eventResolved = false
        var alertResolved: ContinuousClock.Instant?
        // Operator's own alert's group must be gone from Alertmanager too before this member is killed again.
        var notifiedResolved: ContinuousClock.Instant?
        while true {
            if !eventResolved {
                if events.watch.resolved(key, after: killed) != nil {
                    eventResolved = true
                } else if eventOpened == nil {
                    eventResolved = try await !events.store.tickets(TicketFilter.open).contains { $0.key == key }
                }
            }
            if !ticketResolved {
                if watch.resolved(key, after: killed) != nil {
                    ticketResolved = true
                } else if opened == nil {
                    let open = try await store.tickets(TicketFilter.open).contains { $0.key == key }
                    ticketResolved = !open
                }
            }
            if alertResolved == nil {
                if let d = receiver.first(status: "resolved", alertname: AlertingStackConfig.alertName, instance: member.instance, after: killed) {
                    alertResolved = d.arrived
                } else if firing == nil, await alerting.alertActive(instance: member.instance) == false {
                    alertResolved = ContinuousClock.now
                }
            }
            if notifiedResolved == nil, notified != nil {
                notifiedResolved = receiver.first(status: "resolved", alertname: "OperatorIncident", rootEntity: entity.description, after: killed)?.arrived
            }
            if ticketResolved && eventResolved && alertResolved != nil && (notified == nil || notifiedResolved != nil) { break }
            if ContinuousClock.now >= recoveryDeadline {
                if !ticketResolved { notes.append("Operator: ticket not resolved within \(DurationText.format(options.recoveryTimeout)) of the restart") }
                if !eventResolved { notes.append("Operator event-driven: ticket not resolved within \(DurationText.format(options.recoveryTimeout)) of the restart") }
                if alertResolved == nil { notes.append("Alertmanager: no resolved webhook within \(DurationText.format(options.recoveryTimeout)) of the restart") }
                if notified != nil && notifiedResolved == nil { notes.append("Operator: no resolved OperatorIncident webhook within \(DurationText.format(options.recoveryTimeout)) of the restart") }
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let recovered = ContinuousClock.now
        schedule.readyAt[entity] = max(alertResolved ?? recovered, notifiedResolved ?? recovered) + options.alertGroupCooldown

        return DetectionKill(
            index: index, member: entity, instance: member.instance, wasLeader: wasLeader, killedAt: killedAt,
            operatorSeconds: opened.map { ($0.arrived - killed).seconds }, operatorTicket: opened?.ticketID,
            eventSeconds: eventOpened.map { ($0.arrived - killed).seconds }, eventSignalled: eventOpened?.trigger.signal != nil,
            alertmanagerSeconds: firing.map { ($0.arrived - killed).seconds },
            operatorNotifiedSeconds: notified.map { ($0.arrived - killed).seconds },
            recoverySeconds: ticketResolved && alertResolved != nil ? (recovered - restarted).seconds : nil, notes: notes)
    }
}
