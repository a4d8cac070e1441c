import Foundation
import OperatorCore

/// One kill of the detection benchmark: which member, when, and how long each system took to tell.
public struct DetectionKill: Encodable, Sendable {
    var index: Int
    var member: Entity
    /// Prometheus's `instance` label for the member (`127.0.0.1:port`).
    var instance: String
    var wasLeader: Bool
    var killedAt: Date
    /// Kill → the monitor's tick report carrying the member-down ticket; nil on timeout.
    var operatorSeconds: Double?
    var operatorTicket: Int64?
    /// Kill → the event-driven monitor's (liveness signals on) tick report carrying the ticket; nil on timeout.
    var eventSeconds: Double? = nil
    /// Whether that tick was started by a liveness signal (false: the regular schedule got there first).
    var eventSignalled = false
    /// Kill → Alertmanager's firing webhook for the member's instance arriving; nil on timeout.
    var alertmanagerSeconds: Double?
    /// Kill → Alertmanager's firing webhook for Operator's `OperatorIncident` on the member (the outbox path).
    var operatorNotifiedSeconds: Double?
    /// Restart → both systems reported the member back (ticket resolved, resolved webhook).
    var recoverySeconds: Double?
    var notes: [String]

    enum CodingKeys: String, CodingKey {
        case index, member, instance
        case wasLeader = "was_leader"
        case killedAt = "killed_at"
        case operatorSeconds = "operator_seconds"
        case operatorTicket = "operator_ticket"
        case eventSeconds = "event_driven_seconds"
        case eventSignalled = "event_driven_signalled"
        case alertmanagerSeconds = "alertmanager_seconds"
        case operatorNotifiedSeconds = "operator_notified_seconds"
        case recoverySeconds = "recovery_seconds"
        case notes
    }

    // Timeouts are written as null, so every kill has the same keys.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
        try c.encode(member, forKey: .member)
        try c.encode(instance, forKey: .instance)
        try c.encode(wasLeader, forKey: .wasLeader)
        try c.encode(killedAt, forKey: .killedAt)
        try c.encode(operatorSeconds, forKey: .operatorSeconds)
        try c.encode(operatorTicket, forKey: .operatorTicket)
        try c.encode(eventSeconds, forKey: .eventSeconds)
        try c.encode(eventSignalled, forKey: .eventSignalled)
        try c.encode(alertmanagerSeconds, forKey: .alertmanagerSeconds)
        try c.encode(operatorNotifiedSeconds, forKey: .operatorNotifiedSeconds)
        try c.encode(recoverySeconds, forKey: .recoverySeconds)
        try c.encode(notes, forKey: .notes)
    }
}

/// The whole detection run: every kill, both systems' summaries and their ratio, and the settings that
/// make the comparison fair.
public struct DetectionReport: Encodable, Sendable {
    public struct Configuration: Encodable, Sendable {
        var members: Int
        var etcdVersion: String?
        var operatorInterval: String
        var operatorInvariant: String
        var scrapeInterval = AlertingStackConfig.scrapeInterval
        var scrapeTimeout = AlertingStackConfig.scrapeTimeout
        var evaluationInterval = AlertingStackConfig.evaluationInterval
        var rule = "\(AlertingStackConfig.alertName): up{job=\"\(AlertingStackConfig.job)\"} == 0 for 0s"
        var groupBy = ["alertname", "instance", "root_entity"]
        var groupWait = AlertingStackConfig.groupWait
        var groupInterval = AlertingStackConfig.groupInterval
        var killTimeout: String
        var alertGroupCooldown: String

        enum CodingKeys: String, CodingKey {
            case members
            case etcdVersion = "etcd_version"
            case operatorInterval = "operator_interval"
            case operatorInvariant = "operator_invariant"
            case scrapeInterval = "scrape_interval"
            case scrapeTimeout = "scrape_timeout"
            case evaluationInterval = "evaluation_interval"
            case rule
            case groupBy = "group_by"
            case groupWait = "group_wait"
            case groupInterval = "group_interval"
            case killTimeout = "kill_timeout"
            case alertGroupCooldown = "alert_group_cooldown"
        }
    }

    var kills: [DetectionKill]
    var operatorSummary: LatencySummary
    var alertmanagerSummary: LatencySummary
    /// Prometheus + Alertmanager over Operator: how many times longer the baseline took.
    var ratioP50: Double?
    var ratioP95: Double?
    /// The event-driven monitor (liveness signals on) on the same kills: all, followers, leaders.
    var eventSummary: EventDrivenSummary
    var healthy: HealthyRunReport?
    var simulator: SimulatorDetectionReport?
    var configuration: Configuration
    var elapsedSeconds: Double

    init(
        healthy: HealthyRunReport? = nil, simulator: SimulatorDetectionReport? = nil, kills: [DetectionKill],
        configuration: Configuration, elapsedSeconds: Double
    ) {
        self.kills = kills
        self.eventSummary = EventDrivenSummary(kills: kills)
        self.healthy = healthy
        self.simulator = simulator
        operatorSummary = LatencySummary(measured: kills.map(\.operatorSeconds))
        alertmanagerSummary = LatencySummary(measured: kills.map(\.alertmanagerSeconds))
        ratioP50 = BenchFormat.ratioValue(alertmanagerSummary.p50, operatorSummary.p50)
        ratioP95 = BenchFormat.ratioValue(alertmanagerSummary.p95, operatorSummary.p95)
        self.configuration = configuration
        self.elapsedSeconds = elapsedSeconds
    }

    enum CodingKeys: String, CodingKey {
        case kills
        case operatorSummary = "operator"
        case alertmanagerSummary = "prometheus_alertmanager"
        case ratioP50 = "ratio_p50"
        case ratioP95 = "ratio_p95"
        case operatorNotified = "operator_notified"
        case notifiedRatioP50 = "notified_ratio_p50"
        case eventSummary = "event_driven"
        case healthy = "healthy_run"
        case simulator = "tikv_simulator"
        case configuration
        case elapsedSeconds = "elapsed_seconds"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kills, forKey: .kills)
        try c.encode(operatorSummary, forKey: .operatorSummary)
        try c.encode(alertmanagerSummary, forKey: .alertmanagerSummary)
        try c.encode(ratioP50, forKey: .ratioP50)
        try c.encode(ratioP95, forKey: .ratioP95)
        // Kill → notification through Alertmanager (NotificationPath), beside the baseline's same hop.
        let notified = LatencySummary(measured: kills.map(\.operatorNotifiedSeconds))
        try c.encode(notified, forKey: .operatorNotified)
        try c.encode(BenchFormat.ratioValue(alertmanagerSummary.p50, notified.p50), forKey: .notifiedRatioP50)
        try c.encode(eventSummary, forKey: .eventSummary)
        try c.encode(healthy, forKey: .healthy)
        try c.encode(simulator, forKey: .simulator)
        try c.encode(configuration, forKey: .configuration)
        try c.encode(elapsedSeconds, forKey: .elapsedSeconds)
    }

    // MARK: - Tables

    public var tables: [BenchTable] {
        [summaryTable, notificationTable, eventDrivenTable] + [healthyTable, simulatorTable].compactMap { $0 } + [killTable]
    }

    var summaryTable: BenchTable {
        func row(_ name: String, _ s: LatencySummary) -> [String] {
            [name, "\(s.count)", "\(s.timeouts)", BenchFormat.seconds(s.p50), BenchFormat.seconds(s.p95),
             BenchFormat.seconds(s.min), BenchFormat.seconds(s.max), BenchFormat.seconds(s.mean)]
        }
        let o = operatorSummary, a = alertmanagerSummary
        let c = configuration
        return BenchTable(
            title: "Detection latency: kill → alert, \(kills.count) SIGKILLs of a \(c.members)-member etcd cluster\(c.etcdVersion.map { " (etcd \($0))" } ?? "")",
            columns: ["system", "N", "timeouts", "p50 s", "p95 s", "min s", "max s", "mean s"],
            rows: [
                row("Operator: kill → member-down ticket (\(c.operatorInterval) tick)", o),
                row("Prometheus + Alertmanager: kill → firing webhook", a),
                ["ratio Prometheus+AM / Operator", "", "", BenchFormat.ratio(a.p50, o.p50), BenchFormat.ratio(a.p95, o.p95),
                 BenchFormat.ratio(a.min, o.min), BenchFormat.ratio(a.max, o.max), BenchFormat.ratio(a.mean, o.mean)],
            ],
            notes: [
                "same kills, same run: each member is SIGKILLed, both systems are timed from the kill to their first report, then the member is restarted and both must report it back before the next kill (timeout \(c.killTimeout) per kill, counted, never dropped)",
                "Operator: in-process monitor, `\(c.operatorInvariant)` invariant, interval \(c.operatorInterval), each member's client URL probed directly; timed until the tick report carrying the opened ticket",
                "Prometheus + Alertmanager: scrape_interval \(c.scrapeInterval), scrape_timeout \(c.scrapeTimeout), evaluation_interval \(c.evaluationInterval), rule `\(c.rule)`, group_by [\(c.groupBy.joined(separator: ", "))], group_wait \(c.groupWait), group_interval \(c.groupInterval), webhook to a receiver in this process; timed until the POST arrives",
                "why they differ: a refused connection is seen on Operator's next tick (≤ \(c.operatorInterval) + one observation); the baseline waits for the next scrape (≤ \(c.scrapeInterval)), the next rule evaluation (≤ \(c.evaluationInterval)), Alertmanager's group_wait (\(c.groupWait)) and the notification hop",
                "a member is killed again only \(c.alertGroupCooldown) after its resolved webhook: Alertmanager drops an emptied alert group at its 30 s maintenance, and a group that still exists notifies at group_interval (\(c.groupInterval)) instead of group_wait",
                "kills 2, 5, 8, … target the current leader; the others rotate over the followers",
            ])
    }

    var killTable: BenchTable {
        BenchTable(
            title: "Detection latency per kill",
            columns: ["#", "member", "role", "Operator s", "event-driven s", "Prometheus+AM s", "Prom+AM − Operator s", "notes"],
            rows: kills.map { k in
                let gap = k.operatorSeconds.flatMap { o in k.alertmanagerSeconds.map { $0 - o } }
                return ["\(k.index)", k.member.description, k.wasLeader ? "leader" : "follower",
                        k.operatorSeconds.map { BenchFormat.number($0, digits: 2) } ?? "timeout",
                        k.eventSeconds.map { BenchFormat.number($0, digits: 2) + (k.eventSignalled ? " (signal)" : "") } ?? "timeout",
                        k.alertmanagerSeconds.map { BenchFormat.number($0, digits: 2) } ?? "timeout",
                        BenchFormat.seconds(gap), k.notes.isEmpty ? "" : k.notes.joined(separator: "; ")]
            },
            notes: [])
    }
}
