import DeployLocal
import Foundation
import Logging
import TiKVSimulator

/// The embedded TiKV simulator run by the `operator` program (`operator simulate run`) as a child process, so
/// the process being measured holds only Operator: its RSS is Operator's, not the simulated cluster's.
/// Started in a session of its own (the terminal's Ctrl-C reaches only the benchmark, which stops it by
/// pid); its stdout and stderr go to a log file, where its endpoints are read from (`--json`).
final class SimulatorProcess: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let handle: ProcessHandle
    let endpoints: TiKVSimulatorEndpoints
    let logFile: String

    private init(handle: ProcessHandle, endpoints: TiKVSimulatorEndpoints, logFile: String) {
        self.handle = handle
        self.endpoints = endpoints
        self.logFile = logFile
    }

    /// Starts a simulator with `stores` stores and `regions` regions on ports the OS picks, and waits until
    /// it printed its endpoints. `started` is told the pid as soon as there is one, so the caller can stop
    /// it even if this throws or is cancelled.
    static func start(
        executable: String, stores: Int, regions: Int, qps: Double, logFile: String, started: @Sendable (ProcessHandle) -> Void,
        timeout: Duration = .seconds(120)
    ) async throws -> SimulatorProcess {
        let arguments = [
            "simulate", "run", "--stores", "\(stores)", "--regions", "\(regions)", "--pd", "3", "--port", "0",
            "--qps", "\(qps)", "--json",
        ]
        let handle: ProcessHandle
        do {
            handle = try DetachedProcess.spawn(
                executable: executable, arguments: arguments, environment: ProcessInfo.processInfo.environment, logFile: logFile)
        } catch {
            throw Failure(description: "cannot start the simulator (\(executable) \(arguments.joined(separator: " "))): \(error)")
        }
        started(handle)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            try Task.checkCancellation()
            if let endpoints = readEndpoints(from: logFile) {
                return SimulatorProcess(handle: handle, endpoints: endpoints, logFile: logFile)
            }
            guard DetachedProcess.isRunning(handle) else {
                throw Failure(
                    description: "the simulator (\(stores) stores, \(regions) regions) \(DetachedProcess.exitDescription(handle) ?? "exited") before it listened; \(LogTail.excerpt(of: logFile))")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failure(description: "the simulator did not print its endpoints within \(timeout); \(LogTail.excerpt(of: logFile))")
    }

    /// SIGTERM, SIGKILL after 5 s.
    static func stop(_ handle: ProcessHandle) async {
        await DetachedProcess.stop(handle, grace: .seconds(5))
    }

    /// Resident memory of the simulator process.
    var residentBytes: Int? { ProcessUsage.residentBytes(pid: handle.pid) }

    /// The endpoints object `simulate run --json` prints first (pretty JSON), once it is complete.
    private static func readEndpoints(from logFile: String) -> TiKVSimulatorEndpoints? {
        guard let data = FileManager.default.contents(atPath: logFile) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        // Only stdout's JSON starts a line with "{"; log lines on stderr start with a timestamp.
        guard let start = text.range(of: "{\n")?.lowerBound ?? (text.hasPrefix("{") ? text.startIndex : nil),
            let end = text.range(of: "\n}", range: start..<text.endIndex)?.upperBound
        else { return nil }
        return try? JSONDecoder().decode(TiKVSimulatorEndpoints.self, from: Data(text[start..<end].utf8))
    }
}
