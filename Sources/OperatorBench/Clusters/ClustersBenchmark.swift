import DeployLocal
import Foundation
import Logging
import NIOCore
import OperatorCore
import OperatorHTTP
import AsyncHTTPClient
import Synchronization
import TiKVSimulator

/// How one `operator serve` scales with the clusters it watches: 1, 10, 50 and 100 simulated TiKV clusters
/// (3 PD members and 3 stores each) at serve's default 5 s interval. For each size it starts the real
/// `operator` program (`operator serve`, a child process, on a fresh SQLite file or the database given),
/// waits until every monitor has ticked, and then measures serve alone for a window: resident memory
/// (/proc/<pid>/status), CPU time (/proc/<pid>/stat) per cluster-tick, and each tick's lateness against
/// its schedule, read from `GET /api/v1/clusters`. The simulated clusters live in this process (the
/// embedded `TiKVSimulator`), so they cost serve nothing measured; they share the machine's cores.
public struct ClustersBenchmark: Sendable {
    public static let defaultSizes = [1, 10, 50, 100]

    public struct Options: Sendable {
        /// Cluster counts, one serve run each; the smallest is the baseline of the ratios.
        public var sizes = ClustersBenchmark.defaultSizes
        public var storesPerCluster = 3
        /// Small: the load is the number of clusters, not their size (tick cost at scale is `bench tick-cost`).
        public var regionsPerCluster = 30
        public var interval: Duration = .seconds(5)
        /// The measured window of each size.
        public var duration: Duration = .seconds(60)
        /// Run after every monitor has ticked and before the window, so start-up is not measured.
        public var warmup: Duration = .seconds(10)
        /// serve's `--db`: nil is a fresh SQLite file per size; a path or a URL (`postgres://…`) is passed as
        /// given and shared by every size.
        public var database: String?
        /// `operator serve` replicas sharing the largest count by lease (`ReplicasBenchmark`); 1 is the
        /// single-serve run over every size.
        public var replicas = 1
        /// The replicas' `--lease-duration` (serve's default): a round every third of it moves the leases.
        public var leaseDuration: Duration = .seconds(15)

        public init() {}

        func validated() throws(BenchmarkError) -> Options {
            var checked = self
            checked.sizes = Array(Set(sizes)).sorted()
            guard let smallest = checked.sizes.first, smallest >= 1, let largest = checked.sizes.last, largest <= 500 else {
                throw .badInput("cluster counts must be 1…500, got \(sizes.map(String.init).joined(separator: ", "))")
            }
            guard (1...100).contains(storesPerCluster) else { throw .badInput("stores per cluster must be 1…100, got \(storesPerCluster)") }
            guard (1...1_000_000).contains(regionsPerCluster) else { throw .badInput("regions per cluster must be 1…1,000,000, got \(regionsPerCluster)") }
            guard (1...10).contains(replicas) else { throw .badInput("replicas must be 1…10, got \(replicas)") }
            guard replicas <= largest else { throw .badInput("\(replicas) replicas need at least \(replicas) clusters to share, got \(largest)") }
            guard leaseDuration >= .seconds(1) else { throw .badInput("the lease duration must be at least 1s, got \(DurationText.format(leaseDuration))") }
            guard duration >= interval else {
                throw .badInput("the window (\(DurationText.format(duration))) must hold at least one interval (\(DurationText.format(interval)))")
            }
            return checked
        }
    }

    var options: Options
    var executable: String
    var directory: String
    var logger: Logger
    var progress: @Sendable (String) -> Void

    /// The whole run in a temporary directory removed at the end; every process and simulated cluster
    /// started is stopped, also on error or cancellation.
    public static func measure(
        options: Options, executable: String, logger: Logger, progress: @escaping @Sendable (String) -> Void
    ) async throws -> ClustersReport {
        try await running(options: options, executable: executable, logger: logger, progress: progress) { benchmark, started, simulators in
            try await benchmark.run(started: started, simulators: simulators)
        }
    }

    /// `options.replicas` serves sharing the largest count by lease, against one serve watching them all
    /// (`ReplicasBenchmark`); the same temporary directory and the same clean-up as `measure`.
    public static func measureReplicas(
        options: Options, executable: String, logger: Logger, progress: @escaping @Sendable (String) -> Void
    ) async throws -> ReplicasReport {
        try await running(options: options, executable: executable, logger: logger, progress: progress) { benchmark, started, simulators in
            try await ReplicasBenchmark(clusters: benchmark).run(started: started, simulators: simulators)
        }
    }

    private static func running<Report: Sendable>(
        options: Options, executable: String, logger: Logger, progress: @escaping @Sendable (String) -> Void,
        _ body: (ClustersBenchmark, StartedProcesses, StartedSimulators) async throws -> Report
    ) async throws -> Report {
        let options = try options.validated()
        let directory: WorkDirectory
        do { directory = try WorkDirectory(prefix: "operator-bench-clusters") } catch { throw BenchmarkError.failed(error.description) }
        defer { directory.remove() }
        let started = StartedProcesses()
        let simulators = StartedSimulators()
        let benchmark = ClustersBenchmark(options: options, executable: executable, directory: directory.path, logger: logger, progress: progress)
        do {
            let report = try await body(benchmark, started, simulators)
            await stopAll(started, simulators)
            return report
        } catch {
            await stopAll(started, simulators)
            if error is CancellationError { throw BenchmarkError.interrupted("interrupted; stopped every process the benchmark started") }
            throw error
        }
    }

    /// Stops serve and every simulated cluster, even when the surrounding task was cancelled (Ctrl-C).
    private static func stopAll(_ started: StartedProcesses, _ simulators: StartedSimulators) async {
        let handles = started.takeAll()
        let clusters = simulators.takeAll()
        await Task {
            for handle in handles.reversed() { _ = await DetachedProcess.stop(handle, grace: .seconds(5)) }
            for simulator in clusters { await simulator.stop() }
        }.value
    }

    func file(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    func run(started: StartedProcesses, simulators: StartedSimulators) async throws -> ClustersReport {
        let loadBefore = ServeBenchmark.loadAverage()
        let endpoints = try await startSimulators(options.sizes.last ?? 1, into: simulators)
        var results: [ClustersReport.Result] = []
        for size in options.sizes {
            try Task.checkCancellation()
            results.append(try await measure(clusters: size, endpoints: Array(endpoints.prefix(size)), started: started))
        }
        return ClustersReport(
            machine: BenchMachine.current(), loadAverageBefore: loadBefore, loadAverageAfter: ServeBenchmark.loadAverage(),
            database: ClustersReport.describe(database: options.database), interval: DurationText.format(options.interval),
            storesPerCluster: options.storesPerCluster, regionsPerCluster: options.regionsPerCluster,
            windowSeconds: options.duration.seconds, results: results)
    }

    /// Starts `largest` simulated clusters, ten at a time; their PD URLs, in order.
    func startSimulators(_ largest: Int, into simulators: StartedSimulators) async throws -> [[String]] {
        progress("starting \(largest) simulated TiKV clusters (\(options.storesPerCluster) stores each) in this process")
        var endpoints: [[String]] = []
        for first in stride(from: 0, to: largest, by: 10) {
            let batch = try await withThrowingTaskGroup(of: (Int, TiKVSimulator, [String]).self) { group in
                for index in first..<min(first + 10, largest) {
                    group.addTask {
                        let simulator = TiKVSimulator(configuration: self.simulatorConfiguration(seed: UInt64(index + 1)), logger: self.logger)
                        simulators.add(simulator)
                        do {
                            return (index, simulator, try await simulator.start().pdURLs)
                        } catch {
                            throw BenchmarkError.failed("simulated cluster \(index + 1) did not start: \(error)")
                        }
                    }
                }
                var out: [(Int, TiKVSimulator, [String])] = []
                for try await result in group { out.append(result) }
                return out.sorted { $0.0 < $1.0 }
            }
            endpoints += batch.map(\.2)
        }
        return endpoints
    }

    /// Small, quiet clusters: the physics loop once a second is plenty for metrics that only need to move.
    func simulatorConfiguration(seed: UInt64) -> TiKVSimulatorConfiguration {
        var configuration = TiKVSimulatorConfiguration()
        configuration.port = 0
        configuration.stores = options.storesPerCluster
        configuration.regions = max(options.regionsPerCluster, options.storesPerCluster)
        configuration.seed = seed
        configuration.tickInterval = .seconds(1)
        return configuration
    }

    /// One size: serve watching `clusters` clusters, measured over the window.
    func measure(clusters: Int, endpoints: [[String]], started: StartedProcesses) async throws -> ClustersReport.Result {
        let names = (1...clusters).map { "bench-\($0)" }
        let config = file("operator-\(clusters).yaml")
        do {
            try ServeBenchmark.configuration(names: names, endpoints: endpoints, interval: options.interval)
                .write(toFile: config, atomically: true, encoding: .utf8)
        } catch { throw BenchmarkError.failed("cannot write \(config): \(error)") }
        progress("\(clusters) cluster(s): starting operator serve")
        let serve = try await ServeProcess.start(
            executable: executable, config: config, database: options.database ?? file("operator-\(clusters).db"),
            logFile: file("serve-\(clusters).log"), started: { handle in started.add(handle) })
        // Every monitor's first tick, under a hundred clusters' start-up on a busy machine: generous.
        try await serve.waitUntilReady(timeout: .seconds(120 + 2 * clusters))

        var log = ClusterTickLog()
        let pollEvery = min(Duration.seconds(1), options.interval * 0.4)
        progress("\(clusters) cluster(s): warming up for \(DurationText.format(options.warmup))")
        _ = try await poll(serve, into: &log, for: options.warmup, every: pollEvery)

        progress("\(clusters) cluster(s): measuring for \(DurationText.format(options.duration))")
        let cpuBefore = ProcessCPU.seconds(pid: serve.handle.pid)
        let simulatorsCPUBefore = ProcessUsage.cpuSeconds()
        let windowStart = Date()
        let rssSamples = try await poll(serve, into: &log, for: options.duration, every: pollEvery)
        let windowEnd = Date()
        let cpuAfter = ProcessCPU.seconds(pid: serve.handle.pid)
        let simulatorsCPU = ProcessUsage.cpuSeconds() - simulatorsCPUBefore
        // One more read: a tick that started just before the window closed is reported after it.
        _ = try await poll(serve, into: &log, for: .zero, every: pollEvery)
        guard serve.isRunning else { throw BenchmarkError.failed("operator serve exited during the run; \(LogTail.excerpt(of: serve.logFile))") }
        let peak = serve.peakResidentBytes
        _ = await DetachedProcess.stop(serve.handle, grace: .seconds(5))

        let window = windowStart...windowEnd
        let ticks = log.tickCount(in: window)
        let cpu = cpuBefore.flatMap { before in cpuAfter.map { $0 - before } }
        let result = ClustersReport.Result(
            clusters: clusters, ticks: ticks, cpuSeconds: cpu, rssMeanBytes: rssSamples.isEmpty ? nil : rssSamples.reduce(0, +) / rssSamples.count,
            rssPeakBytes: peak, lateness: LatencySummary(seconds: log.lateness(interval: options.interval, in: window)),
            tickDuration: LatencySummary(seconds: log.durations(in: window)),
            unhealthyTicks: log.unhealthyCount(in: window), missedTicks: log.gaps(in: window), simulatorsCPUSeconds: simulatorsCPU,
            windowSeconds: windowEnd.timeIntervalSince(windowStart))
        progress(
            "  \(ticks) ticks, CPU \(BenchFormat.duration(result.cpuPerClusterTickSeconds)) per cluster-tick, lateness p99 \(BenchFormat.duration(result.lateness.p99)), RSS \(BenchFormat.byteCount(result.rssMeanBytes))")
        return result
    }

    /// Reads `/api/v1/clusters` every `every` for `duration` (at least once); returns serve's RSS sampled
    /// at each read.
    private func poll(
        _ serve: ServeProcess, into log: inout ClusterTickLog, for duration: Duration, every: Duration
    ) async throws -> [Int] {
        var rss: [Int] = []
        let deadline = ContinuousClock.now + duration
        repeat {
            try Task.checkCancellation()
            guard serve.isRunning else { throw BenchmarkError.failed("operator serve exited during the run; \(LogTail.excerpt(of: serve.logFile))") }
            let response: HTTPFetchResponse
            do {
                response = try await OperatorHTTPClient.fetch(
                    HTTPClientRequest(url: serve.baseURL + "/api/v1/clusters"), deadline: .seconds(30), maxBodyBytes: 16 << 20)
            } catch { throw BenchmarkError.failed("GET /api/v1/clusters: \(error.description)") }
            guard response.status == 200 else { throw BenchmarkError.failed("GET /api/v1/clusters answered \(response.status)") }
            log.record(try ClusterTickLog.samples(from: Data(response.body.readableBytesView)))
            if let now = serve.residentBytes { rss.append(now) }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: min(every, deadline - ContinuousClock.now))
        } while ContinuousClock.now < deadline
        return rss
    }
}

/// Every simulated cluster started, so each is stopped whatever ends the run.
final class StartedSimulators: Sendable {
    private let simulators = Mutex<[TiKVSimulator]>([])

    func add(_ simulator: TiKVSimulator) { simulators.withLock { $0.append(simulator) } }

    /// The simulators so far; the list is emptied.
    func takeAll() -> [TiKVSimulator] {
        simulators.withLock { list in
            defer { list.removeAll() }
            return list
        }
    }
}
