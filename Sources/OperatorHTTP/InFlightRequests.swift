import Foundation
import Synchronization

/// The requests a piece of work has started and not finished, so a caller that runs out of patience can
/// say which URLs were slow and how far each got.
///
/// Scoped with a task local: work run inside ``tracking(_:)`` (and every child task it starts) registers
/// each ``OperatorHTTPClient/fetch(_:deadline:maxBodyBytes:client:)`` here until the request ends. Work
/// outside the scope (a diagnosis running next to the monitor) is not mixed in.
public final class InFlightRequests: Sendable {
    @TaskLocal public static var current: InFlightRequests?

    /// One request still running at the moment of ``snapshot()``.
    public struct Request: Sendable, CustomStringConvertible {
        public var method: String
        public var url: String
        public var phase: HTTPFetchError.Phase
        public var bytesReceived: Int
        public var elapsed: Duration

        public var description: String {
            let stage = phase == .readingBody ? "\(phase.rawValue), \(bytesReceived) bytes so far" : phase.rawValue
            return "\(method) \(url) (\(stage), \(HTTPFetchError.format(elapsed)) elapsed)"
        }
    }

    private struct Entry {
        var method: String
        var url: String
        var started: ContinuousClock.Instant
        var progress: HTTPFetchProgress
    }

    private let entries = Mutex<(next: Int, running: [Int: Entry])>((0, [:]))

    public init() {}

    /// Runs `operation` with this registry as the place its requests register.
    public func tracking<T>(_ operation: () async throws -> T) async rethrows -> T {
        try await Self.$current.withValue(self) { try await operation() }
    }

    /// The requests running now, longest-running first.
    public func snapshot() -> [Request] {
        let now = ContinuousClock.now
        let running = entries.withLock { Array($0.running.values) }
        return running.map { e in
            let progress = e.progress.snapshot
            return Request(
                method: e.method, url: e.url, phase: progress.phase, bytesReceived: progress.bytesReceived,
                elapsed: now - e.started)
        }
        .sorted { $0.elapsed > $1.elapsed }
    }

    /// A registration that ends with ``end()``.
    struct Ticket {
        let registry: InFlightRequests
        let id: Int
        func end() { _ = registry.entries.withLock { $0.running.removeValue(forKey: id) } }
    }

    func begin(method: String, url: String, progress: HTTPFetchProgress) -> Ticket {
        let entry = Entry(method: method, url: url, started: .now, progress: progress)
        let id = entries.withLock { state in
            state.next += 1
            state.running[state.next] = entry
            return state.next
        }
        return Ticket(registry: self, id: id)
    }
}
