import Foundation
import Logging
import OperatorConfiguration
import OperatorCore
import OperatorServer
import ServiceLifecycle

/// What `operator serve` runs for one cluster: its monitor (own schedule and budget) publishing every
/// tick to the board, its diagnosis runner when a diagnoser is configured, and the API's view of it
/// (re-diagnosis through the same `DiagnosisRunner` path).
struct ServedClusterServices {
    var services: [any Service]
    var cluster: ServedCluster
    /// The monitor's write fence when replicas share clusters by lease (nil for the demo, which has no leases).
    var fence: LeaseFence?

    static func make(
        name: String, subject: any Subject, store: CLITicketStore, file: OperatorConfigFile, monitor: MonitorConfiguration,
        diagnoser: String?, board: ClusterStatusBoard, logger: Logger, fence: LeaseFence? = nil
    ) async throws -> ServedClusterServices {
        try await make(
            name: name, typed: subject, store: store, file: file, monitor: monitor, diagnoser: diagnoser, board: board, logger: logger,
            fence: fence)
    }

    private static func make<S: Subject>(
        name: String, typed subject: S, store: CLITicketStore, file: OperatorConfigFile, monitor: MonitorConfiguration,
        diagnoser diagnoserName: String?, board: ClusterStatusBoard, logger: Logger, fence: LeaseFence?
    ) async throws -> ServedClusterServices {
        var clusterLogger = logger
        clusterLogger[metadataKey: "cluster"] = "\(name)"
        let logger = clusterLogger
        let latest = LatestSnapshot<S.Snapshot>()
        var services: [any Service] = [
            MonitorService(
                subject: subject, store: store, configuration: monitor, logger: logger, latest: latest,
                pendingWork: InFlightHTTPRequests(), board: board, fence: fence)
        ]
        let runnerConfiguration = DiagnosisRunner<S>.Configuration(
            budget: ContextBudget(maxTokens: try file.modelCallLimits().contextTokens), cluster: name)
        // Made once here, so a missing key or model fails at start (exit 2), not on the first request.
        var diagnosers: [String: any Diagnoser] = ["offline": try DiagnoserFactory.make("offline", for: subject, config: file)]
        if let diagnoserName {
            let made = try DiagnoserFactory.make(diagnoserName, for: subject, config: file)
            diagnosers[diagnoserName.lowercased()] = made
            services.append(DiagnosisRunner(
                subject: subject, store: store, diagnoser: made, configuration: runnerConfiguration, logger: logger, latest: latest))
        }
        let known = diagnosers
        // Alertmanager's alerts for this cluster, placed by the subject against the monitor's latest snapshot.
        let intake = AlertIntake(
            cluster: name, subject: subject.name, knowledge: subject.knowledge, store: store, latest: latest, policy: monitor.policy)
        let cluster = ServedCluster(
            name: name, subject: subject.name, diagnosers: Array(known.keys),
            receiveAlerts: { alerts in try await intake.receive(alerts) }
        ) { incidentID, diagnoser in
            guard let engine = known[diagnoser] else {
                return DiagnosisAttempt(incidentID: incidentID, diagnoser: diagnoser, diagnosis: nil, error: "diagnoser \(diagnoser) is not configured")
            }
            let runner = DiagnosisRunner(
                subject: subject, store: store, diagnoser: engine, configuration: runnerConfiguration, logger: logger, latest: latest)
            let outcome = try await runner.diagnose(incidentIDs: [incidentID]).first
            return DiagnosisAttempt(incidentID: incidentID, diagnoser: diagnoser, diagnosis: outcome?.diagnosis, error: outcome?.error)
        }
        logger.notice(
            "watching \(subject.name)",
            metadata: ["interval": "\(DurationText.format(monitor.interval))", "diagnoser": "\(diagnoserName ?? "none")"])
        return ServedClusterServices(services: services, cluster: cluster, fence: fence)
    }
}
