import DeployLocal
import Foundation
import Logging
import OperatorCore
import Synchronization

/// `operator serve` under read load: a database with thousands of incidents, the `operator` program
/// serving it while it watches simulated TiKV clusters (each `operator simulate run`, a child process),
/// and Debian's `wrk` driving one path at a time on loopback. Reports wrk's requests/s and latency
/// distribution per path and serve's resident memory (its own process, read from /proc).
public struct ServeBenchmark {
    /// One measured path: the first is what the targets are about.
    public struct Path: Sendable, Equatable {
        public var name: String
        public var path: String

        public init(name: String, path: String) {
            self.name = name
            self.path = path
        }
    }

    public struct Options: Sendable {
        public var incidents = 10_000
        public var clusters = 3
        /// Stores and regions of each simulated cluster (small: the load is on the API, not the monitors).
        public var stores = 3
        public var regions = 300
        /// How often each of serve's monitors ticks while it is measured: serve's default. Each tick scrapes
        /// and parses every store's metrics page, which shares the cores with the requests measured.
        public var interval: Duration = .seconds(5)
        public var threads = 2
        public var connections = 8
        public var duration: Duration = .seconds(10)
        public var warmup: Duration = .seconds(2)
        /// wrk's path; nil looks it up on PATH.
        public var wrk: String?

        public init() {}
    }

    var options: Options
    /// The `operator` program, run as `operator serve` and `operator simulate run`.
    var executable: String
    var directory: String
    var logger: Logger
    var progress: @Sendable (String) -> Void

    /// The whole run in a temporary directory removed at the end; every process started is stopped by pid,
    /// also on error or cancellation.
    public static func measure(
        options: Options, executable: String, logger: Logger, progress: @escaping @Sendable (String) -> Void
    ) async throws -> ServeReport {
        let wrk: String
        if let given = options.wrk { wrk = given } else { wrk = try WrkRun.locate() }
        let directory: WorkDirectory
        do { directory = try WorkDirectory(prefix: "operator-bench-serve") } catch { throw BenchmarkError.failed(error.description) }
        defer { directory.remove() }
        let started = StartedProcesses()
        let benchmark = ServeBenchmark(options: options, executable: executable, directory: directory.path, logger: logger, progress: progress)
        do {
            let report = try await benchmark.run(wrk: wrk, started: started)
            await stopAll(started)
            return report
        } catch {
            await stopAll(started)
            if error is CancellationError { throw BenchmarkError.interrupted("interrupted; stopped every process the benchmark started") }
            throw error
        }
    }

    /// Stops what was started, newest first, even when the surrounding task was cancelled (Ctrl-C).
    private static func stopAll(_ started: StartedProcesses) async {
        let handles = started.takeAll()
        await Task {
            for handle in handles.reversed() { _ = await DetachedProcess.stop(handle, grace: .seconds(5)) }
        }.value
    }

    private func file(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    func run(wrk: String, started: StartedProcesses) async throws -> ServeReport {
        let load = Self.loadAverage()
        let names = (1...max(1, options.clusters)).map { "bench-\($0)" }
        progress("writing \(BenchFormat.grouped(options.incidents)) incidents over \(names.count) clusters")
        let history = try await IncidentHistory(path: file("operator.db"), subject: "tikv", clusters: names, incidents: options.incidents)
            .write(progress: progress)
        progress(
            "  \(BenchFormat.grouped(history.incidents)) incidents, \(BenchFormat.grouped(history.tickets)) tickets, \(BenchFormat.grouped(history.timelineEvents)) timeline events, \(BenchFormat.grouped(history.diagnosed)) diagnoses, \(BenchFormat.byteCount(history.databaseBytes)) in \(BenchFormat.duration(history.seconds))")

        var endpoints: [[String]] = []
        for (index, name) in names.enumerated() {
            progress("starting the simulator for \(name)")
            let simulator = try await SimulatorProcess.start(
                executable: executable, stores: options.stores, regions: options.regions, qps: 50, logFile: file("simulator-\(index + 1).log"),
                started: { handle in started.add(handle) })
            endpoints.append(simulator.endpoints.pdURLs)
        }
        let config = file("operator.yaml")
        do {
            try Self.configuration(names: names, endpoints: endpoints, interval: options.interval).write(toFile: config, atomically: true, encoding: .utf8)
        } catch { throw BenchmarkError.failed("cannot write \(config): \(error)") }

        progress("starting operator serve")
        let serve = try await ServeProcess.start(
            executable: executable, config: config, database: file("operator.db"), logFile: file("serve.log"),
            started: { handle in started.add(handle) })
        try await serve.waitUntilReady()
        let rssIdle = serve.residentBytes
        let incidentID = history.sampleIncidentID ?? 1
        let paths = [
            Path(name: "incidents, page of 50", path: "/api/v1/incidents?limit=50"),
            Path(name: "clusters", path: "/api/v1/clusters"),
            Path(name: "incident detail (API)", path: "/api/v1/incidents/\(incidentID)"),
            Path(name: "incident page (console)", path: "/incidents/\(incidentID)"),
        ]
        try await serve.expectPage(paths[0].path, items: 50)

        let runner = WrkRun(executable: wrk, settings: .init(threads: options.threads, connections: options.connections, duration: options.duration))
        let peak = Mutex(rssIdle ?? 0)
        let sampler = Task {
            while !Task.isCancelled {
                if let now = serve.residentBytes { peak.withLock { $0 = max($0, now) } }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        defer { sampler.cancel() }
        if options.warmup > .zero {
            progress("warming up: \(paths[0].path) for \(options.warmup)")
            let warm = WrkRun(executable: wrk, settings: .init(threads: options.threads, connections: options.connections, duration: options.warmup))
            _ = try await warm.measure(url: serve.baseURL + paths[0].path, outputFile: file("wrk-warmup.txt"))
        }
        var rows: [ServeReport.Row] = []
        for (index, path) in paths.enumerated() {
            progress("wrk: \(path.path) for \(options.duration), \(options.threads) threads, \(options.connections) connections")
            let output = try await runner.measure(url: serve.baseURL + path.path, outputFile: file("wrk-\(index + 1).txt"))
            progress(
                "  \(BenchFormat.number(output.requestsPerSecond, digits: 0)) req/s, p50 \(BenchFormat.duration(output.p50Seconds)), p99 \(BenchFormat.duration(output.p99Seconds))")
            rows.append(ServeReport.Row(name: path.name, path: path.path, wrk: output))
        }
        sampler.cancel()
        // After the load: what serve keeps once the requests stop (the allocator's retained pages included).
        try await Task.sleep(for: .seconds(1))
        let rssAfter = serve.residentBytes
        let rssPeak = [peak.withLock { $0 }, serve.peakResidentBytes ?? 0, rssAfter ?? 0].max()
        let cacheHits = await serve.metric("operator_api_cache_hits_total")
        let cacheMisses = await serve.metric("operator_api_cache_misses_total")
        let cacheInvalidations = await serve.metric("operator_api_cache_invalidations_total")
        guard serve.isRunning else { throw BenchmarkError.failed("operator serve exited during the run; \(LogTail.excerpt(of: serve.logFile))") }
        return ServeReport(
            machine: BenchMachine.current(), loadAverage: load, history: history, clusters: names.count, interval: DurationText.format(options.interval),
            threads: options.threads, connections: options.connections, durationSeconds: options.duration.seconds, rows: rows,
            rssIdleBytes: rssIdle, rssPeakBytes: rssPeak, rssAfterBytes: rssAfter, cacheHits: cacheHits, cacheMisses: cacheMisses,
            cacheInvalidations: cacheInvalidations)
    }

    /// operator.yaml for the clusters, each watched at `interval`; no diagnoser (the history's open
    /// incidents would otherwise be diagnosed during the measurement).
    static func configuration(names: [String], endpoints: [[String]], interval: Duration) -> String {
        var lines = ["clusters:"]
        for (name, urls) in zip(names, endpoints) {
            lines += [
                "  - name: \(name)", "    subject: tikv", "    endpoints: [\(urls.joined(separator: ", "))]",
                "    interval: \(DurationText.format(interval))",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The 1-, 5- and 15-minute load averages (/proc/loadavg): how busy the machine was when measured.
    static func loadAverage() -> [Double]? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        let values = text.split(separator: " ").prefix(3).compactMap { Double($0) }
        return values.count == 3 ? values : nil
    }
}

/// Every process the benchmark started, so each is stopped by pid whatever ends the run.
final class StartedProcesses: Sendable {
    private let handles = Mutex<[ProcessHandle]>([])

    func add(_ handle: ProcessHandle) { handles.withLock { $0.append(handle) } }

    /// The handles so far, oldest first; the list is emptied.
    func takeAll() -> [ProcessHandle] {
        handles.withLock { list in
            defer { list.removeAll() }
            return list
        }
    }
}
