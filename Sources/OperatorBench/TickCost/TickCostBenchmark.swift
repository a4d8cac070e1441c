import DeployLocal
import Foundation
import Logging
import OperatorCore
import SubjectTiKV
import Synchronization
import TiKVSimulator

/// What one monitor tick of the TiKV subject costs Operator at each cluster size, healthy and with one
/// store down: tick duration through `MonitorService.runTick` (observe, evaluate, record, heartbeat, on a
/// temporary SQLite database), Operator's own CPU time and peak RSS, and the requests and body bytes per
/// path the simulator served it.
public struct TickCostBenchmark {
    public struct ClusterSize: Sendable, Encodable {
        public var stores: Int
        public var regions: Int

        public init(stores: Int, regions: Int) {
            self.stores = stores
            self.regions = regions
        }

        var label: String { "\(stores) stores, \(BenchFormat.grouped(regions)) regions" }
    }

    public enum Scenario: String, Sendable, Encodable, CaseIterable {
        case healthy
        /// The last store killed and PD time moved past `max-peer-down-duration` (10m), so its peers are
        /// down-peers: with 3 replicas, 3 × regions / stores regions (30,000 at 100 stores × 1M).
        case oneStoreDown = "one-store-down"
    }

    /// The small cluster, the small cluster's stores with the large one's regions, and the large cluster:
    /// what regions cost and what stores cost show apart.
    public static func sizes(small: ClusterSize, large: ClusterSize) -> [ClusterSize] {
        let middle = ClusterSize(stores: small.stores, regions: large.regions)
        return [small, middle, large].reduce(into: []) { list, size in
            if !list.contains(where: { $0.stores == size.stores && $0.regions == size.regions }) { list.append(size) }
        }
    }

    /// 3, 100 and 500 stores with a million regions each (issue 16).
    public static let defaultSizes = [3, 100, 500].map { ClusterSize(stores: $0, regions: 1_000_000) }

    public struct Options: Sendable {
        public var sizes = TickCostBenchmark.defaultSizes
        public var scenarios = Scenario.allCases
        public var ticks = 30
        public var warmupTicks = 5
        public var interval: Duration = .seconds(1)
        /// Background load the simulator reports (so counters move as in a live cluster).
        public var qps: Double = 100
        /// PD seconds past the kill: beyond `max-peer-down-duration` (600 s), short of
        /// `max-store-down-time` (1800 s), so the dead store's peers are down-peers and not yet replaced.
        public var storeDownSeconds: Double = 660
        /// What the monitor's tick timeouts name as pending (the production tracker, chosen by the composition root).
        public var pendingWork: (any PendingWorkTracker)?

        public init() {}
    }

    var options: Options
    /// The `operator` program, run again as `operator simulate run` for each size.
    var simulatorExecutable: String
    var directory: String
    var logger: Logger
    var progress: @Sendable (String) -> Void

    /// Every size and scenario, in a temporary directory removed at the end.
    public static func measure(
        options: Options, simulatorExecutable: String, logger: Logger, progress: @escaping @Sendable (String) -> Void
    ) async throws -> TickCostReport {
        let directory: WorkDirectory
        do { directory = try WorkDirectory(prefix: "operator-bench-tick-cost") } catch { throw BenchmarkError.failed(error.description) }
        defer { directory.remove() }
        let benchmark = TickCostBenchmark(
            options: options, simulatorExecutable: simulatorExecutable, directory: directory.path, logger: logger, progress: progress)
        return try await benchmark.run()
    }

    func run() async throws -> TickCostReport {
        let registration = TiKVRegistration.registration
        var results: [TickCostReport.Result] = []
        for (index, size) in options.sizes.enumerated() {
            progress("starting the simulator: \(size.label)")
            let started = Mutex<ProcessHandle?>(nil)
            do {
                let simulator = try await SimulatorProcess.start(
                    executable: simulatorExecutable, stores: size.stores, regions: size.regions, qps: options.qps,
                    logFile: (directory as NSString).appendingPathComponent("simulator-\(index + 1).log"),
                    started: { handle in started.withLock { $0 = handle } })
                let subject = try registration.make(SubjectConfiguration(endpoints: simulator.endpoints.pdURLs, logger: logger))
                results += try await measure(
                    subject, size: size, simulator: simulator,
                    database: (directory as NSString).appendingPathComponent("tick-cost-\(index + 1).db"))
            } catch {
                if let handle = started.withLock({ $0 }) { await Self.uncancelled { await SimulatorProcess.stop(handle) } }
                throw error
            }
            if let handle = started.withLock({ $0 }) { await Self.uncancelled { await SimulatorProcess.stop(handle) } }
        }
        return TickCostReport(results: results, interval: DurationText.format(options.interval), qps: options.qps)
    }

    /// Clean-up that must finish even when the surrounding task was cancelled (Ctrl-C).
    private static func uncancelled(_ work: @escaping @Sendable () async -> Void) async {
        await Task { await work() }.value
    }

    /// Every scenario at one size, with one monitor kept across them: the dead store is seen by a running
    /// Operator, as it would be.
    private func measure<S: Subject>(
        _ subject: S, size: ClusterSize, simulator: SimulatorProcess, database: String
    ) async throws -> [TickCostReport.Result] {
        let store = try SQLiteTicketStore(path: database)
        let monitor = MonitorService(
            subject: subject, store: store, configuration: MonitorConfiguration(interval: options.interval), logger: logger,
            pendingWork: options.pendingWork)
        let control = TiKVSimulatorControlClient(baseURL: simulator.endpoints.controlURL)
        var tick = 0
        var failures = 0
        var results: [TickCostReport.Result] = []
        for scenario in options.scenarios {
            if scenario == .oneStoreDown, let victim = simulator.endpoints.stores.last {
                _ = try await control.inject(.storeDown, entity: "store:\(victim.id)")
                _ = try await control.advanceClock(bySeconds: options.storeDownSeconds)
            }
            let result = try await measure(
                monitor, tick: &tick, failures: &failures, size: size, scenario: scenario, simulator: simulator, control: control)
            results.append(result)
            progress(
                "  \(scenario.rawValue): tick p50 \(BenchFormat.duration(result.tick.p50)), CPU p50 \(BenchFormat.duration(result.cpu.p50)), "
                    + "\(BenchFormat.byteCount(Int(checking: result.bytesPerTick, rounding: .toNearestOrEven))) read per tick, RSS peak \(BenchFormat.byteCount(result.rssPeakBytes)) "
                    + "(anonymous \(BenchFormat.byteCount(result.anonymousPeakBytes)), file-backed \(BenchFormat.byteCount(result.fileBackedBytes)))")
        }
        return results
    }

    private func measure<S: Subject>(
        _ monitor: MonitorService<S>, tick: inout Int, failures: inout Int, size: ClusterSize, scenario: Scenario,
        simulator: SimulatorProcess, control: TiKVSimulatorControlClient
    ) async throws -> TickCostReport.Result {
        // Warm-up: first connections, the metrics source's first readings (rates need two), SQLite pages.
        for _ in 0..<options.warmupTicks {
            tick += 1
            guard let report = await monitor.runTick(number: tick, consecutiveFailures: &failures) else {
                throw CancellationError()
            }
            try await Task.sleep(for: report.nextDelay)
        }

        let before = try await control.state()
        let rssBefore = ProcessUsage.residentBytes() ?? 0
        let peakReset = ProcessUsage.resetPeakResident()
        var rssSampledPeak = rssBefore
        var anonymousPeak = ProcessUsage.residentByKind()?.anonymous
        func sampleAnonymous() {
            if let now = ProcessUsage.residentByKind()?.anonymous { anonymousPeak = max(anonymousPeak ?? 0, now) }
        }
        var durations: [Double] = []
        var cpu: [Double] = []
        var violations = 0
        var lastViolations: [String] = []
        var errors: [String] = []
        let clock = ContinuousClock()
        for _ in 0..<options.ticks {
            tick += 1
            let start = clock.now
            let cpuStart = ProcessUsage.cpuSeconds()
            guard let report = await monitor.runTick(number: tick, consecutiveFailures: &failures) else {
                throw CancellationError()
            }
            cpu.append(max(0, ProcessUsage.cpuSeconds() - cpuStart))
            durations.append((clock.now - start).seconds)
            rssSampledPeak = max(rssSampledPeak, ProcessUsage.residentBytes() ?? 0)
            sampleAnonymous()
            violations = report.violations.count
            lastViolations = report.violations.map(\.invariant)
            if let error = report.error, errors.count < 3 { errors.append(error) }
            try await Task.sleep(for: report.nextDelay)
        }
        let after = try await control.state()
        if !lastViolations.isEmpty {
            let counts = Dictionary(lastViolations.map { ($0, 1) }, uniquingKeysWith: +)
            progress("  violations on the last tick: " + counts.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", "))
        }
        let ticks = Double(options.ticks)
        func perTick(_ after: [String: Int], _ before: [String: Int]) -> [String: Double] {
            var out: [String: Double] = [:]
            for (path, value) in after where !path.hasPrefix(SimulatorControl.pathPrefix) {
                let delta = value - (before[path] ?? 0)
                if delta > 0 { out[path] = Double(delta) / ticks }
            }
            return out
        }
        let requests = perTick(after.requestCounts, before.requestCounts)
        let bytes = perTick(after.requestBytes ?? [:], before.requestBytes ?? [:])
        let kernelPeak = peakReset ? ProcessUsage.peakResidentBytes() : nil
        let rssAfter = ProcessUsage.residentBytes() ?? 0
        return TickCostReport.Result(
            size: size, scenario: scenario, downPeerRegions: after.regionChecks["down-peer"] ?? 0,
            ticks: options.ticks, warmupTicks: options.warmupTicks,
            tick: LatencySummary(seconds: durations), cpu: LatencySummary(seconds: cpu),
            rssBeforeBytes: rssBefore, rssPeakBytes: max(rssSampledPeak, kernelPeak ?? 0, rssAfter), rssAfterBytes: rssAfter,
            anonymousPeakBytes: anonymousPeak, rssPeakIsKernelMark: kernelPeak != nil, simulatorRSSBytes: simulator.residentBytes,
            requestsPerTickByPath: requests, bytesPerTickByPath: bytes,
            violationsLastTick: violations, tickErrors: errors, fileBackedBytes: ProcessUsage.residentByKind()?.file)
    }
}
