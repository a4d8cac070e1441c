import Foundation
import OperatorCore

/// The event-driven monitor's latencies on the detection benchmark's kills, split by the killed member's
/// role (a leader's death also stalls cluster-wide requests until re-election).
public struct EventDrivenSummary: Encodable, Sendable {
    var all: LatencySummary
    var followers: LatencySummary
    var leaders: LatencySummary
    var pollingFollowers: LatencySummary
    var pollingLeaders: LatencySummary
    /// Tickets whose tick a liveness signal started (the rest came from the regular schedule first).
    var signalled: Int
    var ratioP50: Double?
    var ratioP95: Double?

    init(kills: [DetectionKill]) {
        all = LatencySummary(measured: kills.map(\.eventSeconds))
        followers = LatencySummary(measured: kills.filter { !$0.wasLeader }.map(\.eventSeconds))
        leaders = LatencySummary(measured: kills.filter(\.wasLeader).map(\.eventSeconds))
        pollingFollowers = LatencySummary(measured: kills.filter { !$0.wasLeader }.map(\.operatorSeconds))
        pollingLeaders = LatencySummary(measured: kills.filter(\.wasLeader).map(\.operatorSeconds))
        signalled = kills.filter { $0.eventSeconds != nil && $0.eventSignalled }.count
        let baseline = LatencySummary(measured: kills.map(\.alertmanagerSeconds))
        ratioP50 = BenchFormat.ratioValue(baseline.p50, all.p50)
        ratioP95 = BenchFormat.ratioValue(baseline.p95, all.p95)
    }

    enum CodingKeys: String, CodingKey {
        case all, followers, leaders, signalled
        case pollingFollowers = "polling_followers"
        case pollingLeaders = "polling_leaders"
        case ratioP50 = "ratio_p50"
        case ratioP95 = "ratio_p95"
    }
}

extension DetectionReport {
    static func row(_ name: String, _ s: LatencySummary) -> [String] {
        [name, "\(s.count)", "\(s.timeouts)", BenchFormat.seconds(s.p50), BenchFormat.seconds(s.p95),
         BenchFormat.seconds(s.min), BenchFormat.seconds(s.max), BenchFormat.seconds(s.mean)]
    }

    var eventDrivenTable: BenchTable {
        let e = eventSummary, a = alertmanagerSummary, o = operatorSummary
        return BenchTable(
            title: "Event-driven detection: kill → member-down ticket with liveness signals, same kills",
            columns: ["system", "N", "timeouts", "p50 s", "p95 s", "min s", "max s", "mean s"],
            rows: [
                Self.row("polling only (\(configuration.operatorInterval) tick): followers", e.pollingFollowers),
                Self.row("polling only (\(configuration.operatorInterval) tick): leaders", e.pollingLeaders),
                Self.row("event-driven: followers", e.followers),
                Self.row("event-driven: leaders", e.leaders),
                Self.row("event-driven: all", e.all),
                Self.row("Prometheus + Alertmanager: all", a),
                ["ratio Prometheus+AM / event-driven", "", "", BenchFormat.ratio(a.p50, e.all.p50), BenchFormat.ratio(a.p95, e.all.p95),
                 BenchFormat.ratio(a.min, e.all.min), BenchFormat.ratio(a.max, e.all.max), BenchFormat.ratio(a.mean, e.all.mean)],
                ["ratio polling / event-driven", "", "", BenchFormat.ratio(o.p50, e.all.p50), BenchFormat.ratio(o.p95, e.all.p95),
                 BenchFormat.ratio(o.min, e.all.min), BenchFormat.ratio(o.max, e.all.max), BenchFormat.ratio(o.mean, e.all.mean)],
            ],
            notes: [
                "two in-process monitors on the same cluster and the same kills, same interval, each its own database: polling only, and with liveness signals (a `/v3/watch` stream held to every member; a closed stream and a reconnect refused twice 100 ms apart start an extra tick, at least 100 ms after the last tick's start)",
                "\(e.signalled) of \(e.all.count) event-driven tickets came from a tick a liveness signal started (TickReport.trigger); the others from the regular schedule, which got there first",
                "the extra tick is the ordinary tick: every member probed directly within the probe budget, `member-down` decides; what the signal saw is only the reason the tick ran",
            ])
    }

    var healthyTable: BenchTable? {
        guard let h = healthy else { return nil }
        return BenchTable(
            title: "False tickets: \(BenchFormat.number(h.minutes, digits: 1)) healthy minutes with \(h.restarts) graceful restarts (SIGTERM + start)",
            columns: ["monitor", "tickets during restarts", "false tickets", "which"],
            rows: [
                ["polling only", "\(h.polling.duringRestarts)", "\(h.polling.falseTickets.count)", h.polling.falseTickets.joined(separator: ", ")],
                ["event-driven", "\(h.eventDriven.duringRestarts)", "\(h.eventDriven.falseTickets.count)", h.eventDriven.falseTickets.joined(separator: ", ")],
            ],
            notes: [
                "one member restarted gracefully a minute, rotating; a ticket on the restarted member or on the cluster between the SIGTERM and \(BenchFormat.number(h.settleSeconds, digits: 0)) s after the member is healthy again is the restart seen (counted apart from kills); any other ticket opened in the run is false (target 0)",
            ])
    }

    var simulatorTable: BenchTable? {
        guard let s = simulator else { return nil }
        var rows = [
            Self.row("polling only: kill → store-down ticket", s.polling),
            Self.row("event-driven: kill → store-down ticket", s.eventDriven),
        ]
        let signalled = s.kills.filter(\.eventSignalled).count
        let beforePD = s.kills.filter(\.beforePD).count
        var notes = [
            "TiKV simulator in this process, 3 stores, real time: a store kill closes its status listener; PD keeps the store Up until 20 s without a heartbeat",
            "event-driven: \(signalled) of \(s.kills.count) tickets from a signalled tick; \(beforePD) of \(s.kills.count) opened while PD still reported the store Up",
        ]
        if let m = s.kills.first(where: { $0.message != nil })?.message { notes.append("ticket message: \(m)") }
        if let idle = s.idle {
            rows.append([
                "idle: \(idle.stores) stores, \(idle.heldConnections) held connections", "", "", "", "", "", "",
                "CPU \(BenchFormat.number(idle.cpuWithoutWatch, digits: 2)) s without / \(BenchFormat.number(idle.cpuWithWatch, digits: 2)) s with the watch",
            ])
            notes.append(
                "idle cost: CPU seconds of this process (simulator physics included) over \(BenchFormat.number(idle.seconds, digits: 0)) s with the cluster healthy, first without the liveness watch, then with it holding one connection to every store's status port and every PD member")
        }
        return BenchTable(
            title: "TiKV simulator: store kill → ticket, liveness signal against PD's view",
            columns: ["system", "N", "timeouts", "p50 s", "p95 s", "min s", "max s", "mean s"], rows: rows, notes: notes)
    }
}
