import Logging
import ServiceLifecycle
import Synchronization

/// Runs a command's work inside a ServiceGroup that owns SIGINT and SIGTERM: Ctrl-C cancels the work,
/// the work's own cleanup runs, and the command exits 130.
enum Interruptible {
    static func run<T: Sendable>(logger: Logger, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let outcome = Mutex<Result<T, any Error>?>(nil)
        let work = ClosureService {
            do {
                let value = try await cancelWhenGracefulShutdown { try await body() }
                outcome.withLock { $0 = .success(value) }
            } catch {
                // Whatever the work threw while stopping for a signal (a cancelled wait, a refused
                // connection to a member it was stopping) is the interruption, not a failure of its own.
                let interrupted = Task.isShuttingDownGracefully && !(error is CLIFailure)
                outcome.withLock { $0 = .failure(interrupted ? CancellationError() : error) }
            }
        }
        var config = ServiceGroupConfiguration(
            services: [.init(service: work, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigint, .sigterm], logger: logger)
        config.maximumGracefulShutdownDuration = .seconds(30)
        try await ServiceGroup(configuration: config).run()
        switch outcome.withLock({ $0 }) {
        case .success(let value)?: return value
        case .failure(let error as CancellationError)?: throw interrupted(error)
        case .failure(let error)?: throw error
        case nil: throw interrupted(CancellationError())
        }
    }

    private static func interrupted(_ error: CancellationError) -> CLIFailure {
        CLIFailure("interrupted; everything started was stopped", exitCode: 130)
    }

    /// Cleanup that must finish even when the surrounding task was cancelled.
    static func cleanup(_ work: @escaping @Sendable () async -> Void) async {
        await Task { await work() }.value
    }
}
