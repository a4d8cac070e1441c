import Logging
import OperatorCore
import ServiceLifecycle

extension DetectionBenchmark {
    /// Runs the benchmark and its webhook receiver in one ServiceGroup that owns SIGINT and SIGTERM: a
    /// signal cancels the measurement, everything started is stopped, and the error says so.
    public static func measure(
        options: Options, logger: Logger, progress: @escaping @Sendable (String) -> Void
    ) async throws(BenchmarkError) -> DetectionReport {
        let receiver = AlertWebhookReceiver(logger: logger)
        let benchmark = DetectionBenchmark(options: options, receiver: receiver, logger: logger, progress: progress)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: receiver.application),
                    // Done or failed, the benchmark ends the run; the receiver stops after it.
                    .init(service: benchmark, successTerminationBehavior: .gracefullyShutdownGroup,
                          failureTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch let interrupted as Interrupted {
            throw .interrupted(interrupted.description)
        } catch {
            throw .failed("bench detection: \(error)")
        }
        guard let report = benchmark.report else {
            throw .interrupted("bench detection: interrupted before the measurement finished; everything started was stopped")
        }
        return report
    }
}
