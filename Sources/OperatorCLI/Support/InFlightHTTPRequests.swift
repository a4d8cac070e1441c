import OperatorCore
import OperatorHTTP

/// The monitor's view of the HTTP requests an observation has in flight: lets a tick timeout name the URLs
/// it was waiting for. Lives here because the core knows no HTTP and the HTTP layer knows no core.
struct InFlightHTTPRequests: PendingWorkTracker {
    let registry = InFlightRequests()

    func track<T: Sendable>(_ operation: @Sendable () async throws -> T) async throws -> T {
        try await registry.tracking(operation)
    }

    func pending() -> [String] {
        registry.snapshot().map(\.description)
    }
}
