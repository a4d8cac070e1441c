import AsyncHTTPClient
import DeployLocal
import Foundation
import NIOCore
import OperatorHTTP

/// `operator serve` as a child process in a session of its own, its output in a log file: the address it
/// printed (`serving http://HOST:PORT`), its readiness, and its resident memory from /proc.
struct ServeProcess: Sendable {
    let handle: ProcessHandle
    let baseURL: String
    let logFile: String

    /// Starts serve on a port the OS picks and waits until it printed its address. `started` is told the
    /// pid at once, so the caller stops it whatever happens next. `extraArguments` go after serve's own
    /// (a replica's `--replica-name`, `--lease-duration`).
    static func start(
        executable: String, config: String, database: String, logFile: String, extraArguments: [String] = [],
        started: @Sendable (ProcessHandle) -> Void, timeout: Duration = .seconds(120)
    ) async throws -> ServeProcess {
        let arguments = ["serve", "--config", config, "--db", database, "--listen", "127.0.0.1:0", "--log-level", "warning"] + extraArguments
        var environment = ProcessInfo.processInfo.environment
        // Reads on loopback are open; a token from the caller's environment would change nothing measured.
        environment.removeValue(forKey: "OPERATOR_API_TOKEN")
        let handle: ProcessHandle
        do {
            handle = try DetachedProcess.spawn(executable: executable, arguments: arguments, environment: environment, logFile: logFile)
        } catch {
            throw BenchmarkError.failed("cannot start \(executable) \(arguments.joined(separator: " ")): \(error)")
        }
        started(handle)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            try Task.checkCancellation()
            if let url = servingURL(in: logFile) { return ServeProcess(handle: handle, baseURL: url, logFile: logFile) }
            guard DetachedProcess.isRunning(handle) else {
                throw BenchmarkError.failed("operator serve \(DetachedProcess.exitDescription(handle) ?? "exited") before it listened; \(LogTail.excerpt(of: logFile))")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchmarkError.failed("operator serve printed no address within \(timeout); \(LogTail.excerpt(of: logFile))")
    }

    /// The `http://HOST:PORT` of the first `serving http://…` line.
    static func servingURL(in logFile: String) -> String? {
        guard let data = FileManager.default.contents(atPath: logFile) else { return nil }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix("serving http://") {
            return String(line.dropFirst("serving ".count)).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    var isRunning: Bool { DetachedProcess.isRunning(handle) }
    var residentBytes: Int? { ProcessUsage.residentBytes(pid: handle.pid) }
    /// The kernel's high-water mark of serve's resident memory since it started (`VmHWM`).
    var peakResidentBytes: Int? { ProcessUsage.statusKilobytes("VmHWM:", pid: handle.pid).map { $0 * 1024 } }

    /// Waits until `/readyz` answers 200: every cluster's monitor has completed a tick.
    func waitUntilReady(timeout: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + timeout
        var last = "no answer yet"
        while ContinuousClock.now < deadline {
            try Task.checkCancellation()
            guard isRunning else { throw BenchmarkError.failed("operator serve exited before it was ready; \(LogTail.excerpt(of: logFile))") }
            do {
                let response = try await get("/readyz")
                if response.status == 200 { return }
                last = "\(response.status) \(String(decoding: response.body.prefix(300), as: UTF8.self))"
            } catch {
                last = error.description
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw BenchmarkError.failed("operator serve was not ready within \(timeout) (/readyz: \(last)); \(LogTail.excerpt(of: logFile))")
    }

    /// Checks that `path` answers 200 with a page of `items` items before it is measured: wrk counts any
    /// answer, so a 400 would otherwise be measured as fast.
    func expectPage(_ path: String, items: Int) async throws {
        let response: (status: Int, body: Data)
        do { response = try await get(path) } catch { throw BenchmarkError.failed("GET \(path): \(error.description)") }
        let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        let count = (object?["items"] as? [Any])?.count
        guard response.status == 200, count == items else {
            throw BenchmarkError.failed(
                "GET \(baseURL)\(path) answered \(response.status) with \(count.map(String.init) ?? "no") items, expected 200 with \(items): \(String(decoding: response.body.prefix(300), as: UTF8.self))")
        }
    }

    /// One sample of `/metrics` (Prometheus text), e.g. the response cache's counters; nil when absent.
    func metric(_ name: String) async -> Int? {
        guard let response = try? await get("/metrics"), response.status == 200 else { return nil }
        let line = String(decoding: response.body, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") }
    }

    private func get(_ path: String) async throws(HTTPFetchError) -> (status: Int, body: Data) {
        let response = try await OperatorHTTPClient.fetch(HTTPClientRequest(url: baseURL + path), deadline: .seconds(10), maxBodyBytes: 16 << 20)
        return (response.status, Data(response.body.readableBytesView))
    }
}
