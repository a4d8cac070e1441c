import Foundation
import OperatorCore
import Synchronization

/// Whether the server answered lately. Once an operation has waited the whole connection wait in vain, the
/// server counts as unreachable: operations fail at once with that error while one background probe keeps
/// opening a connection of its own (a refused one fails at once; a slow server answers it in time), and the
/// first connection it gets, or any operation gets, ends the outage.
///
/// Without it every query waits the full connection wait on a down server: a monitor's tick (one read of
/// its open alert tickets, one write) took ten seconds and more instead of its interval, and a replica's
/// lease round as long, so nothing kept its schedule through a PostgreSQL restart.
final class ServerReachability: Sendable {
    private struct State {
        var down: (error: PostgresStoreError, since: Date)?
        var probe: Task<Void, Never>?
        var closed = false
    }

    private let state = Mutex(State())
    /// One attempt to lease a connection: true when one was had.
    private let tryConnection: @Sendable () async -> Bool

    init(tryConnection: @escaping @Sendable () async -> Bool) {
        self.tryConnection = tryConnection
    }

    /// The error to fail with at once while the server is unreachable; nil when it is not known to be.
    func failFast() -> PostgresStoreError? {
        state.withLock { s in
            guard let down = s.down else { return nil }
            guard case .unavailable(let server, _, let fix) = down.error else { return down.error }
            return .unavailable(
                server: server, reason: "unreachable since \(Timestamp.format(down.since)); reconnecting in the background",
                fix: fix)
        }
    }

    /// A connection was leased: the server is up.
    func reached() {
        let probe = state.withLock { s in
            s.down = nil
            defer { s.probe = nil }
            return s.probe
        }
        probe?.cancel()
    }

    /// No connection within the wait: fail fast from now on, and start probing.
    func unreachable(_ error: PostgresStoreError) {
        state.withLock { s in
            guard !s.closed else { return }
            s.down = (error, s.down?.since ?? Date())
            guard s.probe == nil else { return }
            s.probe = Task { [weak self] in
                while !Task.isCancelled {
                    guard let self else { return }
                    if await self.tryConnection() {
                        self.reached()
                        return
                    }
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
        }
    }

    /// The store is closing: no more probing.
    func close() {
        let probe = state.withLock { s in
            s.closed = true
            defer { s.probe = nil }
            return s.probe
        }
        probe?.cancel()
    }
}
