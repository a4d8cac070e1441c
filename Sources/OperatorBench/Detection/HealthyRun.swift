import DeployLocal
import Foundation
import OperatorCore
import SubjectEtcd

/// The false-ticket check: minutes of a healthy cluster whose members are restarted gracefully (SIGTERM,
/// then started again) one at a time. A ticket on the member being restarted, or on the cluster, while
/// that restart is under way is the restart seen; any other ticket is false.
public struct HealthyRunReport: Encodable, Sendable {
    public struct Mode: Encodable, Sendable {
        /// Tickets opened on the restarted member or the cluster during a restart (and its settling).
        var duringRestarts: Int
        /// Tickets opened anywhere else: false tickets (target 0), each `invariant entity`.
        var falseTickets: [String]

        enum CodingKeys: String, CodingKey {
            case duringRestarts = "during_restarts"
            case falseTickets = "false_tickets"
        }
    }

    var minutes: Double
    var restarts: Int
    var settleSeconds: Double
    var polling: Mode
    var eventDriven: Mode

    enum CodingKeys: String, CodingKey {
        case minutes, restarts
        case settleSeconds = "settle_seconds"
        case polling
        case eventDriven = "event_driven"
    }
}

extension DetectionBenchmark {
    /// A restart and the seconds after it during which its own consequences (the member down, a leader
    /// change) are expected.
    struct RestartWindow {
        var entity: Entity
        var from: ContinuousClock.Instant
        var to: ContinuousClock.Instant
    }

    static let restartSettle: Duration = .seconds(10)

    func healthyRun(
        members: [Member], deployment: any Deployment, polling: TicketWatch, events: TicketWatch,
        latest: LatestSnapshot<EtcdSnapshot>
    ) async throws -> HealthyRunReport? {
        guard options.healthyMinutes > 0 else { return nil }
        progress("healthy run: \(BenchFormat.number(options.healthyMinutes, digits: 1)) min, one graceful restart (SIGTERM + start) a minute")
        let start = ContinuousClock.now
        let end = start + .seconds(options.healthyMinutes * 60)
        var windows: [RestartWindow] = []
        // The first restart after the cluster settled from the kills (sooner in a short smoke run).
        var next = start + min(.seconds(30), (end - start) / 3)
        var index = 0
        while ContinuousClock.now < end {
            if ContinuousClock.now >= next, ContinuousClock.now + .seconds(15) < end {
                let entity = members[index % members.count].entity
                index += 1
                let from = ContinuousClock.now
                try await deployment.restart(entity)
                let deadline = ContinuousClock.now + options.recoveryTimeout
                while ContinuousClock.now < deadline {
                    if let s = await latest.value, let m = s.members.first(where: { $0.entity == entity }), m.isHealthy,
                        s.observedAt.timeIntervalSinceNow > -1, s.leader != nil
                    {
                        break
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                windows.append(RestartWindow(entity: entity, from: from, to: ContinuousClock.now + Self.restartSettle))
                progress("  graceful restart \(index) of \(entity) done")
                next = from + .seconds(60)
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        func classify(_ watch: TicketWatch) -> HealthyRunReport.Mode {
            var during = 0
            var wrong: [String] = []
            for change in watch.openedSince(start) {
                let explained = windows.contains { w in
                    change.arrived >= w.from && change.arrived <= w.to
                        && (change.key.entity == w.entity || change.key.entity == .cluster)
                }
                if explained { during += 1 } else { wrong.append("\(change.key.invariant) \(change.key.entity)") }
            }
            return HealthyRunReport.Mode(duringRestarts: during, falseTickets: wrong)
        }
        return HealthyRunReport(
            minutes: options.healthyMinutes, restarts: windows.count, settleSeconds: Self.restartSettle.seconds,
            polling: classify(polling), eventDriven: classify(events))
    }
}
