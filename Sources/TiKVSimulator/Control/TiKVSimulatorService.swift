import ServiceLifecycle

/// Runs a simulator as a ServiceLifecycle `Service`: starts it, reports where it listens, and
/// stops it (closing every port) when the service group shuts down gracefully (SIGINT, SIGTERM).
public struct TiKVSimulatorService: Service {
    public let simulator: TiKVSimulator
    private let onStarted: @Sendable (TiKVSimulatorEndpoints) async -> Void

    public init(simulator: TiKVSimulator, onStarted: @escaping @Sendable (TiKVSimulatorEndpoints) async -> Void = { _ in }) {
        self.simulator = simulator
        self.onStarted = onStarted
    }

    public func run() async throws {
        let endpoints = try await simulator.start()
        await onStarted(endpoints)
        // Returns when the group shuts down gracefully, throws when the task is cancelled:
        // either way the simulator stops.
        try? await gracefulShutdown()
        await simulator.stop()
    }
}
