import DeployLocal
import Foundation
import Logging
import OperatorCore
import PrometheusClient
import Synchronization

/// The baseline the detection benchmark compares Operator with: Debian's Prometheus and Alertmanager as
/// local processes on free loopback ports, configured by ``AlertingStackConfig``, files and logs in one
/// directory. Every process it starts is recorded before anything else happens, so `stop()` (SIGTERM,
/// then SIGKILL, by pid) finds it even when starting failed half-way or was interrupted.
final class AlertingStack: Sendable {
    static let installHint = "install them with `apt-get install -y prometheus prometheus-alertmanager`"

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let directory: String
    private let started = Mutex<[(name: String, handle: ProcessHandle)]>([])
    private let urls = Mutex<(prometheus: String?, alertmanager: String?)>((nil, nil))
    private let logger: Logger

    init(directory: String, logger: Logger) {
        self.directory = directory
        self.logger = logger
    }

    var prometheusURL: String? { urls.withLock { $0.prometheus } }
    var alertmanagerURL: String? { urls.withLock { $0.alertmanager } }

    /// Where Debian puts the programs (Alertmanager is `prometheus-alertmanager` there, `alertmanager` upstream).
    static func executables() -> (prometheus: String, alertmanager: String)? {
        guard let prometheus = ExecutableLookup.find("prometheus"),
            let alertmanager = ExecutableLookup.find("prometheus-alertmanager") ?? ExecutableLookup.find("alertmanager")
        else { return nil }
        return (prometheus, alertmanager)
    }

    /// Starts Alertmanager, then Prometheus, and waits until Prometheus has an `up` sample of 1 for every
    /// target (not just /-/ready: its discovery manager throttles the first target update for ~5 s, §B).
    func start(
        targets: [String], webhookURL: String, webhookBearerTokenFile: String? = nil, progress: @Sendable (String) -> Void
    ) async throws {
        guard let programs = Self.executables() else {
            throw Failure(description: "prometheus or alertmanager is not installed; \(Self.installHint)")
        }
        guard let prometheusPort = LocalPorts.ephemeral(), let alertmanagerPort = LocalPorts.ephemeral(),
            prometheusPort != alertmanagerPort
        else { throw Failure(description: "no free loopback port for Prometheus and Alertmanager") }
        let prometheusAddress = "127.0.0.1:\(prometheusPort)"
        let alertmanagerAddress = "127.0.0.1:\(alertmanagerPort)"

        let config = AlertingStackConfig(
            targets: targets, rulesFile: path("rules.yml"), alertmanagerAddress: alertmanagerAddress, webhookURL: webhookURL,
            webhookBearerTokenFile: webhookBearerTokenFile)
        do {
            for sub in ["prometheus-data", "alertmanager-data"] {
                try FileManager.default.createDirectory(atPath: path(sub), withIntermediateDirectories: true)
            }
            try config.prometheusYAML.write(toFile: path("prometheus.yml"), atomically: true, encoding: .utf8)
            try config.rulesYAML.write(toFile: path("rules.yml"), atomically: true, encoding: .utf8)
            try config.alertmanagerYAML.write(toFile: path("alertmanager.yml"), atomically: true, encoding: .utf8)
        } catch {
            throw Failure(description: "cannot write the Prometheus/Alertmanager configuration in \(directory): \(error)")
        }

        // Flags as run in etcd-prometheus-observed.md §B; an empty cluster address keeps Alertmanager from
        // opening its gossip port.
        let alertmanager = try spawn(
            "alertmanager", programs.alertmanager,
            [
                "--config.file=\(path("alertmanager.yml"))", "--storage.path=\(path("alertmanager-data"))",
                "--web.listen-address=\(alertmanagerAddress)", "--cluster.listen-address=",
            ])
        urls.withLock { $0.alertmanager = "http://\(alertmanagerAddress)" }
        try await waitUntilReady("alertmanager", alertmanager, url: "http://\(alertmanagerAddress)/-/ready")
        progress("Alertmanager \(programs.alertmanager) on \(alertmanagerAddress) (pid \(alertmanager.pid))")

        let prometheus = try spawn(
            "prometheus", programs.prometheus,
            [
                "--config.file=\(path("prometheus.yml"))", "--storage.tsdb.path=\(path("prometheus-data"))",
                "--web.listen-address=\(prometheusAddress)",
            ])
        urls.withLock { $0.prometheus = "http://\(prometheusAddress)" }
        progress("Prometheus \(programs.prometheus) on \(prometheusAddress) (pid \(prometheus.pid)); waiting for its first scrape of \(targets.count) target(s)")
        try await waitUntilScraping(targets, prometheus: prometheus, url: "http://\(prometheusAddress)")
    }

    /// Whether Prometheus still has `EtcdMemberDown` firing for `instance`; nil when it cannot be asked.
    func alertActive(instance: String) async -> Bool? {
        guard let url = prometheusURL else { return nil }
        let api = PrometheusAPI(baseURL: url, timeout: .seconds(2), logger: logger)
        let query = "ALERTS{alertname=\"\(AlertingStackConfig.alertName)\",instance=\"\(instance)\",alertstate=\"firing\"}"
        guard let samples = try? await api.queryVector(query) else { return nil }
        return !samples.isEmpty
    }

    /// Stops everything it started (SIGTERM, SIGKILL after 5 s). Safe to call twice.
    func stop() async {
        let all = started.withLock { list in
            defer { list.removeAll() }
            return list
        }
        await withTaskGroup(of: Void.self) { group in
            for (name, handle) in all {
                group.addTask {
                    await DetachedProcess.stop(handle, grace: .seconds(5))
                    self.logger.debug("stopped", metadata: ["process": "\(name)", "pid": "\(handle.pid)"])
                }
            }
        }
    }

    // MARK: - Helpers

    private func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    private func logFile(_ name: String) -> String { path("\(name).log") }

    private func spawn(_ name: String, _ executable: String, _ arguments: [String]) throws -> ProcessHandle {
        do {
            let handle = try DetachedProcess.spawn(
                executable: executable, arguments: arguments, environment: ProcessInfo.processInfo.environment,
                logFile: logFile(name))
            started.withLock { $0.append((name, handle)) }
            logger.debug("started", metadata: ["process": "\(name)", "pid": "\(handle.pid)"])
            return handle
        } catch {
            throw Failure(description: "cannot start \(executable): \(error)")
        }
    }

    private func exited(_ name: String, _ handle: ProcessHandle) -> Failure {
        let how = DetachedProcess.exitDescription(handle) ?? "exited"
        return Failure(description: "\(name) (pid \(handle.pid)) \(how) while starting; \(LogTail.excerpt(of: logFile(name)))")
    }

    private func waitUntilReady(_ name: String, _ handle: ProcessHandle, url: String, timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        var last = "no answer yet"
        while ContinuousClock.now < deadline {
            try Task.checkCancellation()
            guard DetachedProcess.isRunning(handle) else { throw exited(name, handle) }
            let probe = await HealthProbe.check(url, timeout: .seconds(1))
            if probe.isHealthy { return }
            last = probe.reason ?? last
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failure(description: "\(name) not ready within \(DurationText.format(timeout)): \(last); \(LogTail.excerpt(of: logFile(name)))")
    }

    private func waitUntilScraping(_ targets: [String], prometheus: ProcessHandle, url: String, timeout: Duration = .seconds(60))
        async throws
    {
        let api = PrometheusAPI(baseURL: url, timeout: .seconds(2), logger: logger)
        let deadline = ContinuousClock.now + timeout
        var last = "no answer yet"
        let query = "up{job=\"\(AlertingStackConfig.job)\"}"
        while ContinuousClock.now < deadline {
            try Task.checkCancellation()
            guard DetachedProcess.isRunning(prometheus) else { throw exited("prometheus", prometheus) }
            do {
                let samples = try await api.queryVector(query)
                let up = Set(samples.filter { $0.value == 1 }.compactMap { $0.metric["instance"] })
                if Set(targets).isSubset(of: up) { return }
                last = "\(query) is 1 for \(up.count) of \(targets.count) target(s)"
            } catch {
                last = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw Failure(description: "Prometheus did not scrape every etcd member within \(DurationText.format(timeout)): \(last); \(LogTail.excerpt(of: logFile("prometheus")))")
    }
}
