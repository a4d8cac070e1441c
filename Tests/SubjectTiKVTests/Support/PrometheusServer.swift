import OperatorTestSupport
import Foundation
import PrometheusClient

/// A real Prometheus (Debian package `prometheus`) on a free loopback port with its own temporary storage,
/// stopped by PID when the body ends, pass or fail.
enum PrometheusServer {
    static var binary: String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        return (paths + ["/usr/bin"]).map { $0 + "/prometheus" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func with<T: Sendable>(
        scraping targets: [String], interval: String = "1s", _ body: @Sendable (_ url: String) async throws -> T
    ) async throws -> T {
        guard let binary else { throw TestServerError(message: "prometheus binary not found in PATH") }
        let port = try FreePorts.take(1)[0]  // free now, for Prometheus to listen on
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("operator-prometheus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let config = """
            global:
              scrape_interval: \(interval)
              scrape_timeout: 900ms
              evaluation_interval: \(interval)
            scrape_configs:
              - job_name: tikv
                static_configs:
                  - targets: [\(targets.map { "'\($0)'" }.joined(separator: ", "))]
            """
        try config.write(to: dir.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        let logURL = dir.appendingPathComponent("prometheus.log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--config.file=\(dir.appendingPathComponent("prometheus.yml").path)",
            "--storage.tsdb.path=\(dir.appendingPathComponent("data").path)",
            "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
        ]
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let pid = process.processIdentifier
        defer {
            // Stop by PID, wait for it, remove its storage: pass or fail.
            if process.isRunning { kill(pid, SIGTERM) }
            process.waitUntilExit()
            try? log.close()
            try? FileManager.default.removeItem(at: dir)
        }
        let url = "http://127.0.0.1:\(port)"
        do {
            return try await body(url)
        } catch {
            let tail = (try? String(contentsOf: logURL, encoding: .utf8)).map { String($0.suffix(2000)) } ?? ""
            throw TestServerError(message: "\(error)\nprometheus log:\n\(tail)")
        }
    }

    /// Waits until `promql` returns at least `count` series (Prometheus needs ~6 s before the first series
    /// appears, etcd-prometheus-observed.md §B: wait for series, not /-/ready). Gives up after `limit`.
    static func waitForSeries(_ api: PrometheusAPI, _ promql: String, count: Int, limit: Duration = .seconds(90)) async throws {
        let deadline = ContinuousClock.now + limit
        var last = "no answer yet"
        while ContinuousClock.now < deadline {
            do {
                let series = try await api.queryVector(promql)
                if series.count >= count { return }
                last = "\(series.count) series"
            } catch {
                last = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw TestServerError(message: "Prometheus never returned \(count) series for \(promql) (last: \(last))")
    }
}
