import Synchronization

/// Liveness signals waiting for the monitor's next tick. The subject's watcher posts from any thread; the
/// loop waits for the first one between ticks and takes them all when a tick starts, so any number of
/// signals during one tick cost one extra tick.
final class SignalInbox: Sendable {
    private struct State {
        var pending: [LivenessSignal] = []
        var coalesced = 0
        var waiter: CheckedContinuation<Void, Never>?
        var cancelled = false
    }

    /// A storm of signals is bounded: past this many the oldest are only counted.
    static let limit = 64
    private let state = Mutex(State())

    func post(_ signal: LivenessSignal) {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.pending.append(signal)
            if s.pending.count > Self.limit {
                s.pending.removeFirst()
                s.coalesced += 1
            }
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }

    /// The tick trigger for everything posted so far (nil when nothing is), emptying the inbox.
    func take() -> TickTrigger? {
        state.withLock { s in
            guard let first = s.pending.first else { return nil }
            let trigger = TickTrigger.signal(first, coalesced: s.pending.count - 1 + s.coalesced)
            s.pending = []
            s.coalesced = 0
            return trigger
        }
    }

    /// Returns once a signal is pending, or when the waiting task is cancelled. One waiter at a time.
    func waitForSignal() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if !s.pending.isEmpty || s.cancelled { return true }
                    s.waiter = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
                s.cancelled = true
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?.resume()
        }
        state.withLock { $0.cancelled = false }
    }
}
