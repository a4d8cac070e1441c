import Foundation
import PostgresNIO
import Synchronization

/// A leased connection, or an error once `limit` passed without one: while the server is down, postgres-nio's
/// pool keeps a request waiting until a connection succeeds (up to its circuit breaker, a minute), which
/// would stall a monitor's loop. Only the wait is bounded: once the connection is leased, the work runs to
/// its end (cancelling a transaction midway could hand the pool a connection still inside it).
func withLeasedConnection<T: Sendable>(
    _ client: PostgresClient, limit: Duration, onTimeout: @escaping @Sendable () -> any Error,
    workLimit: Duration = .seconds(60), onWorkTimeout: @escaping @Sendable () -> any Error = { CancellationError() },
    _ body: @escaping @Sendable (PostgresConnection) async throws -> T
) async throws -> T {
    // Unstructured on purpose: a task group waits for every child before it returns, and the pool's lease
    // request does not end when cancelled (it waits for a connection or the pool's circuit breaker, up to a
    // minute), so a timed-out wait would still last that long. The lease task is cancelled and left to end on
    // its own; a connection it gets late finds the wait expired and goes straight back to the pool.
    let state = LeaseState()
    let outcome = LeaseOutcome<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            outcome.set(continuation)
            let lease = Task {
                do {
                    let value = try await client.withConnection { connection in
                        guard state.begin() else { throw CancellationError() }
                        // A query the server never answers (a connection caught in a restart) must not hold
                        // the caller: past `workLimit` it gets an error; the work is not cancelled (that could
                        // hand the pool a connection inside a transaction) and ends on its own.
                        let watchdog = Task {
                            try await Task.sleep(for: workLimit)
                            outcome.finish(.failure(onWorkTimeout()))
                        }
                        defer { watchdog.cancel() }
                        return try await body(connection)
                    }
                    outcome.finish(.success(value))
                } catch {
                    outcome.finish(.failure(error))
                }
            }
            outcome.setLease(lease)
            outcome.setTimer(Task {
                try? await Task.sleep(for: limit)
                if state.expire() {
                    lease.cancel()
                    outcome.finish(.failure(onTimeout()))
                }
            })
        }
    } onCancel: {
        // Cancelled while waiting (the caller gave up): stop waiting; work already running runs to its end.
        if state.expire() {
            outcome.cancelLease()
            outcome.finish(.failure(CancellationError()))
        }
    }
}

/// The caller's continuation, resumed once by whichever ends first: the leased work, the time limit or a
/// cancellation.
private final class LeaseOutcome<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var result: Result<T, any Error>?
        var lease: Task<Void, Never>?
        /// The wait's time limit: cancelled once the outcome is known, so a quick query leaves no timer asleep.
        var timer: Task<Void, Never>?
    }
    private let state = Mutex(State())

    func set(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { s -> Result<T, any Error>? in
            if let result = s.result { return result }
            s.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func setLease(_ task: Task<Void, Never>) { state.withLock { $0.lease = task } }
    func setTimer(_ task: Task<Void, Never>) {
        let done = state.withLock { s in
            s.timer = task
            return s.result != nil
        }
        if done { task.cancel() }
    }
    func cancelLease() { state.withLock { $0.lease }?.cancel() }

    func finish(_ result: Result<T, any Error>) {
        let (continuation, timer) = state.withLock { s -> (CheckedContinuation<T, any Error>?, Task<Void, Never>?) in
            guard s.result == nil else { return (nil, nil) }
            s.result = result
            defer { s.continuation = nil }
            return (s.continuation, s.timer)
        }
        timer?.cancel()
        continuation?.resume(with: result)
    }
}

/// Waiting → leased or timed out, decided once.
private final class LeaseState: Sendable {
    private enum Phase { case waiting, leased, timedOut }
    private let phase = Mutex(Phase.waiting)

    /// The connection arrived: true if the wait had not timed out.
    func begin() -> Bool {
        phase.withLock { phase in
            guard phase == .waiting else { return false }
            phase = .leased
            return true
        }
    }

    /// The limit passed: true if no connection had arrived.
    func expire() -> Bool {
        phase.withLock { phase in
            guard phase == .waiting else { return false }
            phase = .timedOut
            return true
        }
    }
}
