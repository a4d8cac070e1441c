/// A subject's word that one node should be looked at now, not at the next interval: a long-lived
/// connection to it was lost and the subject's own confirmation (say, a refused reconnect) holds.
///
/// The core knows only "signal from entity X: check now"; what a signal is belongs to the subject. A signal
/// is never a verdict: it makes the monitor run an extra tick, and the invariants decide on that tick's
/// snapshot as on any other (a member that answers again opens no ticket).
public struct LivenessSignal: Sendable, Equatable, CustomStringConvertible {
    public var entity: Entity
    /// What was seen, for people ("connection to 127.0.0.1:2379 lost; reconnect refused twice 100 ms apart").
    public var reason: String

    public init(entity: Entity, reason: String) {
        self.entity = entity
        self.reason = reason
    }

    public var description: String { "\(entity): \(reason)" }
}

/// Long-lived per-node streams a subject offers (`Subject.liveness`). The monitor runs `watch` for as long
/// as it runs and cancels it on shutdown.
public protocol LivenessSource: Sendable {
    /// Watches every node until the task is cancelled, calling `signal` when one needs checking now.
    /// Must hold at most one connection per node, back off its reconnects and sleep while nodes are healthy.
    func watch(signal: @escaping @Sendable (LivenessSignal) -> Void) async
}

/// Why a tick ran: its turn in the schedule, or a liveness signal (the first one; later signals that
/// arrived before the tick started are counted, not kept).
public enum TickTrigger: Sendable, Equatable, CustomStringConvertible {
    case schedule
    case signal(LivenessSignal, coalesced: Int)

    /// The signal behind this tick, if one was.
    public var signal: LivenessSignal? {
        if case .signal(let s, _) = self { return s }
        return nil
    }

    public var description: String {
        switch self {
        case .schedule: return "schedule"
        case .signal(let s, let more):
            return "liveness signal from \(s)\(more > 0 ? " (and \(more) more)" : "")"
        }
    }
}
