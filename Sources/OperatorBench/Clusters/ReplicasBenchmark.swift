import AsyncHTTPClient
import DeployLocal
import Foundation
import OperatorCore
import OperatorHTTP

/// Several `operator serve` replicas sharing the largest count of simulated clusters by lease, against one
/// serve watching them all in the same run (the baseline, `ClustersBenchmark.measure(clusters:…)`).
///
/// The replicas are the real program as child processes with distinct `--replica-name`s, the same config
/// and the same store (the `--db` given, or one SQLite file for all of them: SQLite's single writer shared
/// by several processes). Once every cluster runs on exactly one replica, the one the lease table names, and
/// none runs more than ceil(clusters / replicas), every replica is read once a second: `/healthz` (what it
/// runs) and `/api/v1/clusters` (its ticks, the lease table). From the settled state to the window's end a
/// cluster with no watcher, two, or a watcher the table does not name is counted (`WatcherCensus`).
struct ReplicasBenchmark: Sendable {
    var clusters: ClustersBenchmark

    private var options: ClustersBenchmark.Options { clusters.options }
    private func progress(_ line: String) { clusters.progress(line) }

    struct Replica: Sendable {
        var name: String
        var serve: ServeProcess
    }

    func run(started: StartedProcesses, simulators: StartedSimulators) async throws -> ReplicasReport {
        let loadBefore = ServeBenchmark.loadAverage()
        let count = options.sizes.last ?? 1
        let endpoints = try await clusters.startSimulators(count, into: simulators)
        progress("baseline: one serve watching all \(count) clusters")
        let baseline = try await clusters.measure(clusters: count, endpoints: endpoints, started: started)
        try Task.checkCancellation()
        let run = try await measureReplicas(clusters: count, endpoints: endpoints, started: started)
        return ReplicasReport(
            machine: BenchMachine.current(), loadAverageBefore: loadBefore, loadAverageAfter: ServeBenchmark.loadAverage(),
            database: ClustersReport.describe(database: options.database, shared: true), interval: DurationText.format(options.interval),
            leaseDuration: DurationText.format(options.leaseDuration), storesPerCluster: options.storesPerCluster,
            regionsPerCluster: options.regionsPerCluster, windowSeconds: options.duration.seconds, clusters: count,
            baseline: baseline, replicas: run.replicas, together: run.together, census: run.census, settleSeconds: run.settleSeconds)
    }

    struct Run {
        var replicas: [ReplicasReport.ReplicaResult]
        var together: ClustersReport.Result
        var census: WatcherCensus
        var settleSeconds: Double
    }

    func measureReplicas(clusters count: Int, endpoints: [[String]], started: StartedProcesses) async throws -> Run {
        let names = (1...count).map { "bench-\($0)" }
        let config = clusters.file("operator-replicas-\(count).yaml")
        do {
            try ServeBenchmark.configuration(names: names, endpoints: endpoints, interval: options.interval)
                .write(toFile: config, atomically: true, encoding: .utf8)
        } catch { throw BenchmarkError.failed("cannot write \(config): \(error)") }
        let database = options.database ?? clusters.file("operator-replicas-\(count).db")

        // One after the other: the first migrates a fresh store before the others open it.
        let startedAt = ContinuousClock.now
        var replicas: [Replica] = []
        for index in 1...options.replicas {
            let name = "bench-replica-\(index)"
            progress("\(options.replicas) replicas: starting \(name)")
            let serve = try await ServeProcess.start(
                executable: clusters.executable, config: config, database: database, logFile: clusters.file("\(name).log"),
                extraArguments: ["--replica-name", name, "--lease-duration", DurationText.format(options.leaseDuration)],
                started: { handle in started.add(handle) })
            replicas.append(Replica(name: name, serve: serve))
        }

        let share = WatcherCensus.share(clusters: count, replicas: replicas.count)
        progress("\(replicas.count) replicas: waiting until each cluster is watched by exactly one, at most \(share) each")
        try await waitUntilSpread(replicas, clusters: names, timeout: .seconds(120 + 2 * count) + options.leaseDuration * 4)
        let settleSeconds = (ContinuousClock.now - startedAt).seconds
        progress("\(replicas.count) replicas: settled \(BenchFormat.number(settleSeconds, digits: 1)) s after the first started")
        for replica in replicas { try await replica.serve.waitUntilReady(timeout: .seconds(120 + 2 * count)) }

        var observed = Observations()
        let pollEvery = min(Duration.seconds(1), options.interval * 0.4)
        progress("\(replicas.count) replicas: warming up for \(DurationText.format(options.warmup))")
        try await poll(replicas, clusters: names, into: &observed, for: options.warmup, every: pollEvery)
        observed.rss = [:]

        progress("\(replicas.count) replicas: measuring for \(DurationText.format(options.duration))")
        let cpuBefore = replicas.map { ProcessCPU.seconds(pid: $0.serve.handle.pid) }
        let simulatorsCPUBefore = ProcessUsage.cpuSeconds()
        let windowStart = Date()
        try await poll(replicas, clusters: names, into: &observed, for: options.duration, every: pollEvery)
        let windowEnd = Date()
        let cpuAfter = replicas.map { ProcessCPU.seconds(pid: $0.serve.handle.pid) }
        let simulatorsCPU = ProcessUsage.cpuSeconds() - simulatorsCPUBefore
        // One more read: a tick that started just before the window closed is reported after it.
        try await poll(replicas, clusters: names, into: &observed, for: .zero, every: pollEvery)
        let peaks = replicas.map(\.serve.peakResidentBytes)
        await withTaskGroup(of: Void.self) { group in
            for replica in replicas { group.addTask { _ = await DetachedProcess.stop(replica.serve.handle, grace: .seconds(5)) } }
        }

        let window = windowStart...windowEnd
        let seconds = windowEnd.timeIntervalSince(windowStart)
        var results: [ReplicasReport.ReplicaResult] = []
        for (index, replica) in replicas.enumerated() {
            let log = observed.logs[replica.name] ?? ClusterTickLog()
            let cpu = cpuBefore[index].flatMap { before in cpuAfter[index].map { $0 - before } }
            let rss = observed.rss[replica.name] ?? []
            let result = ClustersReport.Result(
                clusters: observed.held[replica.name] ?? 0, ticks: log.tickCount(in: window), cpuSeconds: cpu,
                rssMeanBytes: rss.isEmpty ? nil : rss.reduce(0, +) / rss.count, rssPeakBytes: peaks[index],
                lateness: LatencySummary(seconds: log.lateness(interval: options.interval, in: window)),
                tickDuration: LatencySummary(seconds: log.durations(in: window)), unhealthyTicks: log.unhealthyCount(in: window),
                missedTicks: log.gaps(in: window), simulatorsCPUSeconds: nil, windowSeconds: seconds)
            results.append(ReplicasReport.ReplicaResult(replica: replica.name, result: result))
        }
        let all = results.map(\.result)
        let cpus = all.compactMap(\.cpuSeconds)
        let means = all.compactMap(\.rssMeanBytes)
        let peakValues = all.compactMap(\.rssPeakBytes)
        let together = ClustersReport.Result(
            clusters: count, ticks: observed.together.tickCount(in: window),
            cpuSeconds: cpus.count == all.count ? cpus.reduce(0, +) : nil,
            rssMeanBytes: means.count == all.count ? means.reduce(0, +) : nil,
            rssPeakBytes: peakValues.count == all.count ? peakValues.reduce(0, +) : nil,
            lateness: LatencySummary(seconds: observed.together.lateness(interval: options.interval, in: window)),
            tickDuration: LatencySummary(seconds: observed.together.durations(in: window)),
            unhealthyTicks: observed.together.unhealthyCount(in: window), missedTicks: observed.together.gaps(in: window),
            simulatorsCPUSeconds: simulatorsCPU, windowSeconds: seconds)
        progress(
            "  \(together.ticks) ticks, CPU \(BenchFormat.duration(together.cpuPerClusterTickSeconds)) per cluster-tick, lateness p99 \(BenchFormat.duration(together.lateness.p99)), \(observed.census.faults) cluster(s) not watched by exactly one replica")
        return Run(replicas: results, together: together, census: observed.census, settleSeconds: settleSeconds)
    }

    /// What the reads saw: each replica's ticks (and all of them keyed by replica and cluster, so a cluster
    /// that moved is two monitors, never one with a jump), its RSS, the clusters it ran, the census.
    struct Observations {
        var logs: [String: ClusterTickLog] = [:]
        var together = ClusterTickLog()
        var rss: [String: [Int]] = [:]
        var held: [String: Int] = [:]
        var census = WatcherCensus()
    }

    /// Polls until one read shows the clusters settled; fails naming each replica's count if they never do.
    private func waitUntilSpread(_ replicas: [Replica], clusters names: [String], timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        var last = "no read yet"
        while ContinuousClock.now < deadline {
            try Task.checkCancellation()
            let read = try await self.read(replicas)
            if WatcherCensus.isSpread(read.census, clusters: names, replicas: replicas.count) { return }
            let bound = read.census.holders.count
            last = "replicas run \(WatcherCensus.describe(read.census)); the lease table names a watcher for \(bound) of \(names.count)"
            try await Task.sleep(for: .milliseconds(500))
        }
        throw BenchmarkError.failed(
            "the \(replicas.count) replicas did not settle on one watcher per cluster within \(DurationText.format(timeout)): \(last); \(LogTail.excerpt(of: replicas[0].serve.logFile))")
    }

    /// Reads every replica every `every` for `duration` (at least once) into `observed`.
    private func poll(
        _ replicas: [Replica], clusters names: [String], into observed: inout Observations, for duration: Duration, every: Duration
    ) async throws {
        let deadline = ContinuousClock.now + duration
        repeat {
            try Task.checkCancellation()
            let read = try await self.read(replicas)
            observed.census.record(read.census, clusters: names)
            for (replica, samples) in read.ticks {
                observed.logs[replica, default: ClusterTickLog()].record(samples)
                observed.together.record(samples.map { sample in
                    var keyed = sample
                    keyed.cluster = "\(replica)/\(sample.cluster)"
                    return keyed
                })
            }
            for (replica, clusters) in read.census.running { observed.held[replica] = clusters.count }
            for replica in replicas { if let now = replica.serve.residentBytes { observed.rss[replica.name, default: []].append(now) } }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: min(every, deadline - ContinuousClock.now))
        } while ContinuousClock.now < deadline
    }

    /// One read of every replica: `/healthz` of each first (what runs where), then each one's cluster list
    /// (its ticks; the first one's lease table).
    private func read(_ replicas: [Replica]) async throws -> (census: WatcherCensus.Sample, ticks: [String: [ClusterTickLog.Sample]]) {
        var running: [String: Set<String>] = [:]
        for replica in replicas {
            let health = try WatcherCensus.watching(from: try await get(replica, "/healthz"))
            guard health.replica == replica.name else {
                throw BenchmarkError.failed("\(replica.serve.baseURL)/healthz names replica \(health.replica ?? "none"), expected \(replica.name)")
            }
            running[replica.name] = health.clusters
        }
        var holders: [String: String] = [:]
        var ticks: [String: [ClusterTickLog.Sample]] = [:]
        for (index, replica) in replicas.enumerated() {
            let body = try await get(replica, "/api/v1/clusters")
            if index == 0 { holders = try WatcherCensus.holders(from: body) }
            // A replica's board holds the ticks of the clusters it runs; the others it lists without a tick.
            ticks[replica.name] = try ClusterTickLog.samples(from: body)
        }
        return (WatcherCensus.Sample(running: running, holders: holders), ticks)
    }

    private func get(_ replica: Replica, _ path: String) async throws -> Data {
        guard replica.serve.isRunning else {
            throw BenchmarkError.failed("\(replica.name) exited during the run; \(LogTail.excerpt(of: replica.serve.logFile))")
        }
        let response: HTTPFetchResponse
        do {
            response = try await OperatorHTTPClient.fetch(
                HTTPClientRequest(url: replica.serve.baseURL + path), deadline: .seconds(30), maxBodyBytes: 16 << 20)
        } catch { throw BenchmarkError.failed("\(replica.name): GET \(path): \(error.description)") }
        guard response.status == 200 else { throw BenchmarkError.failed("\(replica.name): GET \(path) answered \(response.status)") }
        return Data(response.body.readableBytesView)
    }
}
