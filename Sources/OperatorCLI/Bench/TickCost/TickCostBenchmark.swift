import DeployLocal
import Foundation
import Logging
import OperatorCore
import Synchronization
import TiKVSimulator

/// What one monitor tick of the TiKV subject costs at a small and a large cluster size, in the same run:
/// tick duration through `MonitorService.runTick` (observe, evaluate, record, heartbeat, on a temporary
/// SQLite database), Operator's resident memory, and the PD requests each tick makes.
struct TickCostBenchmark {
    struct ClusterSize: Sendable, Encodable {
        var stores: Int
        var regions: Int

        var label: String { "\(stores) stores, \(BenchFormat.grouped(regions)) regions" }
    }

    /// The small cluster, the small cluster's stores with the large one's regions, and the large cluster:
    /// what regions cost and what stores cost show apart.
    static func sizes(small: ClusterSize, large: ClusterSize) -> [ClusterSize] {
        let middle = ClusterSize(stores: small.stores, regions: large.regions)
        return [small, middle, large].reduce(into: []) { list, size in
            if !list.contains(where: { $0.stores == size.stores && $0.regions == size.regions }) { list.append(size) }
        }
    }

    struct Options: Sendable {
        var sizes = TickCostBenchmark.sizes(small: ClusterSize(stores: 3, regions: 10), large: ClusterSize(stores: 100, regions: 1_000_000))
        var ticks = 30
        var warmupTicks = 5
        var interval: Duration = .seconds(1)
        /// Background load the simulator reports (so counters move as in a live cluster).
        var qps: Double = 100
    }

    var options: Options
    var directory: String
    var logger: Logger
    var progress: @Sendable (String) -> Void

    func run() async throws -> TickCostReport {
        let registration = try LinkedSubjects.registry.registration(named: "tikv")
        var results: [TickCostReport.SizeResult] = []
        for (index, size) in options.sizes.enumerated() {
            progress("starting the simulator: \(size.label)")
            let started = Mutex<ProcessHandle?>(nil)
            do {
                let simulator = try await SimulatorProcess.start(
                    stores: size.stores, regions: size.regions, qps: options.qps,
                    logFile: (directory as NSString).appendingPathComponent("simulator-\(index + 1).log"),
                    started: { handle in started.withLock { $0 = handle } })
                let subject = try registration.make(SubjectConfiguration(endpoints: simulator.endpoints.pdURLs, logger: logger))
                let result = try await measure(
                    subject, size: size, simulator: simulator, database: (directory as NSString).appendingPathComponent("tick-cost-\(index + 1).db"))
                results.append(result)
                progress("  tick p50 \(BenchFormat.duration(result.tick.p50)), p99 \(BenchFormat.duration(result.tick.p99)), RSS peak \(BenchFormat.byteCount(result.rssPeakBytes))")
            } catch {
                if let handle = started.withLock({ $0 }) { await Interruptible.cleanup { await SimulatorProcess.stop(handle) } }
                throw error
            }
            if let handle = started.withLock({ $0 }) { await Interruptible.cleanup { await SimulatorProcess.stop(handle) } }
        }
        return TickCostReport(sizes: results, interval: DurationText.format(options.interval), qps: options.qps)
    }

    private func measure<S: Subject>(
        _ subject: S, size: ClusterSize, simulator: SimulatorProcess, database: String
    ) async throws -> TickCostReport.SizeResult {
        let store = try SQLiteTicketStore(path: database)
        let monitor = MonitorService(
            subject: subject, store: store, configuration: MonitorConfiguration(interval: options.interval), logger: logger,
            pendingWork: InFlightHTTPRequests())
        let control = TiKVSimulatorControlClient(baseURL: simulator.endpoints.controlURL)
        var failures = 0
        var tick = 0
        var errors: [String] = []

        // Warm-up: first connections, the metrics source's first readings (rates need two), SQLite pages.
        for _ in 0..<options.warmupTicks {
            tick += 1
            guard let report = await monitor.runTick(number: tick, consecutiveFailures: &failures) else { throw CancellationError() }
            try await Task.sleep(for: report.nextDelay)
        }

        let countsBefore = try await control.state().requestCounts
        let rssBefore = ProcessMemory.residentBytes() ?? 0
        var rssPeak = rssBefore
        var durations: [Double] = []
        var violations = 0
        let clock = ContinuousClock()
        for _ in 0..<options.ticks {
            tick += 1
            let start = clock.now
            guard let report = await monitor.runTick(number: tick, consecutiveFailures: &failures) else { throw CancellationError() }
            durations.append((clock.now - start).seconds)
            rssPeak = max(rssPeak, ProcessMemory.residentBytes() ?? 0)
            violations = report.violations.count
            if let error = report.error, errors.count < 3 { errors.append(error) }
            try await Task.sleep(for: report.nextDelay)
        }
        let countsAfter = try await control.state().requestCounts
        let ticks = Double(options.ticks)
        var perTick: [String: Double] = [:]
        for (path, after) in countsAfter where !path.hasPrefix(SimulatorControl.pathPrefix) {
            let delta = after - (countsBefore[path] ?? 0)
            if delta > 0 { perTick[path] = Double(delta) / ticks }
        }
        // The state request itself is counted once on its own path, which is excluded above.
        return TickCostReport.SizeResult(
            size: size, ticks: options.ticks, warmupTicks: options.warmupTicks, tick: LatencySummary(seconds: durations),
            rssBeforeBytes: rssBefore, rssPeakBytes: rssPeak, rssAfterBytes: ProcessMemory.residentBytes() ?? 0,
            simulatorRSSBytes: simulator.residentBytes, pdRequestsPerTick: perTick.values.reduce(0, +),
            regionListRequestsPerTick: perTick["/pd/api/v1/regions"] ?? 0, requestsPerTick: perTick,
            violationsLastTick: violations, tickErrors: errors)
    }
}

extension BenchFormat {
    /// `412 MiB`, `1.2 GiB`.
    static func byteCount(_ count: Int?) -> String {
        guard let count else { return "-" }
        let units = ["B", "KiB", "MiB", "GiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: value < 10 ? "%.1f" : "%.0f", value) + " " + units[unit]
    }

    /// `1,000,000`.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }
}
