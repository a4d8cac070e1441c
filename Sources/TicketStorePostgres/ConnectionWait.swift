import Foundation
import PostgresNIO
import Synchronization

/// A leased connection, or an error once `limit` passed without one: while the server is down, postgres-nio's
/// pool keeps a request waiting until a connection succeeds (up to its circuit breaker, a minute), which
/// would stall a monitor's loop. Only the wait is bounded: once the connection is leased, the work runs to
/// its end (cancelling a transaction midway could hand the pool a connection still inside it).
func withLeasedConnection<T: Sendable>(
    _ client: PostgresClient, limit: Duration, onTimeout: @escaping @Sendable () -> any Error,
    _ body: @escaping @Sendable (PostgresConnection) async throws -> T
) async throws -> T {
    let state = LeaseState()
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await client.withConnection { connection in
                guard state.begin() else { throw CancellationError() }
                return try await body(connection)
            }
        }
        group.addTask {
            try? await Task.sleep(for: limit)
            if state.expire() { throw onTimeout() }
            return nil  // leased in time: the work decides
        }
        while let next = try await group.next() {
            if let value = next {
                group.cancelAll()
                return value
            }
        }
        throw onTimeout()
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
