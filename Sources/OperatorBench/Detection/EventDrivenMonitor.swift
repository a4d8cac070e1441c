import Foundation
import OperatorCore
import OperatorHTTP

/// The detection benchmark's second monitor: liveness signals on, its own database and ticket watch, on
/// the same cluster and the same kills as the polling-only monitor.
final class EventDrivenMonitor: Sendable {
    let store: SQLiteTicketStore
    let watch = TicketWatch()

    init(store: SQLiteTicketStore) { self.store = store }

    /// Waits until the monitor's watch holds one connection to every member, so no kill lands before it.
    func waitUntilWatching(members: [DetectionBenchmark.Member], timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        let targets = members.compactMap { URL(string: $0.endpoint) }.compactMap { u in u.host.map { ($0, u.port ?? 2379) } }
        while ContinuousClock.now < deadline {
            if targets.allSatisfy({ NodeConnectionWatch.heldConnections(to: $0.0, port: $0.1) >= 1 }) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw DetectionBenchmark.Failure(
            description: "the event-driven monitor did not hold a connection to every member within \(DurationText.format(timeout))")
    }
}

extension DetectionBenchmark {
    /// Every kill is its own event: flap damping (which holds a recurring member's ticket open for its
    /// settle period, so a third kill of the same member would open nothing) is off in the benchmark's
    /// monitors. Everything else is the production policy.
    static let policy = TicketPolicy(flapping: FlapPolicy(threshold: 1_000_000))
}
