import Foundation
import OperatorCore
import Synchronization

/// What the in-process monitor reported, stamped as each tick report arrived: when a ticket opened (or
/// reopened) and when it resolved. Fed from `MonitorService`'s `onTick`; read by the benchmark's driver.
final class TicketWatch: Sendable {
    struct Change: Sendable {
        var arrived: ContinuousClock.Instant
        var arrivedAt: Date
        var opened: Bool
        var key: ViolationKey
        var ticketID: Int64
        /// Why the reporting tick ran: its turn, or a liveness signal.
        var trigger: TickTrigger
    }

    private let changes = Mutex<[Change]>([])
    private let lastTick = Mutex<(number: Int, error: String?)?>(nil)

    func record(_ report: TickReport) {
        let arrived = ContinuousClock.now
        let arrivedAt = Date()
        var new: [Change] = []
        if let outcome = report.outcome {
            for t in outcome.opened + outcome.reopened {
                new.append(Change(arrived: arrived, arrivedAt: arrivedAt, opened: true, key: t.key, ticketID: t.id, trigger: report.trigger))
            }
            for t in outcome.resolved {
                new.append(Change(arrived: arrived, arrivedAt: arrivedAt, opened: false, key: t.key, ticketID: t.id, trigger: report.trigger))
            }
        }
        changes.withLock { $0 += new }
        lastTick.withLock { $0 = (report.tick, report.error) }
    }

    /// The first open (or reopen) of this ticket key reported at or after `after`.
    func opened(_ key: ViolationKey, after: ContinuousClock.Instant) -> Change? {
        changes.withLock { $0.first { $0.opened && $0.key == key && $0.arrived >= after } }
    }

    /// The first resolution of this ticket key reported at or after `after`.
    func resolved(_ key: ViolationKey, after: ContinuousClock.Instant) -> Change? {
        changes.withLock { $0.first { !$0.opened && $0.key == key && $0.arrived >= after } }
    }

    /// Every open (or reopen) reported at or after `after`.
    func openedSince(_ after: ContinuousClock.Instant) -> [Change] {
        changes.withLock { $0.filter { $0.opened && $0.arrived >= after } }
    }

    /// Number and error of the latest tick, for progress and timeout messages.
    var latestTick: (number: Int, error: String?)? { lastTick.withLock { $0 } }
}
