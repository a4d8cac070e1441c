import AsyncHTTPClient
import OperatorHTTP
import Foundation
import Logging
import PrometheusClient

/// Store metrics without Prometheus: scrapes each store's status server `/metrics` and computes rates and
/// p99s over the interval since the previous scrape of that store, which it keeps between ticks.
///
/// With no previous scrape (the first tick, `operator check`), it scrapes twice `warmup` apart, so rates
/// exist from the first observation. A store whose scrape fails is reported unreachable.
///
/// Not every store every tick (``StoreScrapeRotation``): the ones PD flags and a round-robin share, so each
/// is read at least every 45 s; a store not read this tick keeps its last metrics while they are fresh
/// (60 s), and otherwise has none, with a reason (never "healthy" for want of a sample).
public actor DirectStoreMetricsSource: StoreMetricsSource {
    public nonisolated var name: String { "direct" }
    let timeout: Duration
    let warmup: Duration
    let httpClient: HTTPClient
    let logger: Logger
    private var previous: [UInt64: MetricsScrape] = [:]
    let rotation: StoreScrapeRotation
    /// Each store's last metrics and when its page was read.
    private var last: [UInt64: (metrics: StoreMetrics, readAt: Date)] = [:]
    private var lastFailed: Set<UInt64> = []
    private var lastTick: Date?
    /// Store pages read at once, at most.
    static let maxConcurrentScrapes = 16

    public init(
        timeout: Duration = .seconds(3), warmup: Duration = .seconds(1), httpClient: HTTPClient = OperatorHTTPClient.shared,
        logger: Logger = Logger(label: "operator.tikv.metrics")
    ) {
        self.init(timeout: timeout, warmup: warmup, rotation: StoreScrapeRotation(), httpClient: httpClient, logger: logger)
    }

    init(
        timeout: Duration, warmup: Duration, rotation: StoreScrapeRotation, httpClient: HTTPClient = OperatorHTTPClient.shared,
        logger: Logger = Logger(label: "operator.tikv.metrics")
    ) {
        self.rotation = rotation
        self.timeout = timeout
        self.warmup = warmup
        self.httpClient = httpClient
        self.logger = logger
    }

    public func read(_ allTargets: [StoreMetricsTarget]) async -> StoreMetricsReading {
        var reading = StoreMetricsReading(source: name)
        let tick = Date()
        let targets = rotation.choose(
            allTargets, lastRead: last.mapValues(\.readAt), failed: lastFailed,
            sinceLastTick: lastTick.map { tick.timeIntervalSince($0) }, now: tick)
        lastTick = tick
        let first = await scrapeAll(targets)
        var current: [UInt64: MetricsScrape] = [:]
        var needWarmup: [StoreMetricsTarget] = []
        for t in targets {
            switch first[t.storeID] {
            case .success(let scrape)?:
                current[t.storeID] = scrape
                if previous[t.storeID].flatMap({ scrape.seconds(since: $0) }) == nil { needWarmup.append(t) }
            case .failure(let error)?:
                reading.statusReachable[t.storeID] = error.reason != .unreachable
                reading.statusErrors[t.storeID] = error.description
                reading.errors[t.storeID] = error.description
                previous[t.storeID] = nil
            case nil:
                break
            }
        }
        if !needWarmup.isEmpty, warmup > .zero {
            for t in needWarmup { previous[t.storeID] = current[t.storeID] }
            try? await Task.sleep(for: warmup)
            let second = await scrapeAll(needWarmup)
            for t in needWarmup {
                switch second[t.storeID] {
                case .success(let scrape)?: current[t.storeID] = scrape
                case .failure(let error)?:
                    // Alive a second ago, gone now: report what the last scrape could tell.
                    reading.statusErrors[t.storeID] = error.description
                    reading.statusReachable[t.storeID] = error.reason != .unreachable
                case nil: break
                }
            }
        }
        for t in targets {
            guard let now = current[t.storeID] else { continue }
            if reading.statusReachable[t.storeID] == nil { reading.statusReachable[t.storeID] = true }
            if let before = previous[t.storeID], now.seconds(since: before) != nil {
                reading.metrics[t.storeID] = TiKVMetricQueries.directMetrics(previous: before, current: now)
            } else {
                reading.metrics[t.storeID] = TiKVMetricQueries.gauges(now.page)
                reading.errors[t.storeID] = "only one scrape of \(t.metricsURL) so far: rates and p99s need two"
            }
            previous[t.storeID] = now
        }
        let chosen = Set(targets.map(\.storeID))
        for t in targets {
            if let m = reading.metrics[t.storeID] {
                last[t.storeID] = (m, tick)
                lastFailed.remove(t.storeID)
            } else {
                last[t.storeID] = nil
                lastFailed.insert(t.storeID)
            }
        }
        // Stores not read this tick: their last metrics while fresh, else none and why.
        for t in allTargets where !chosen.contains(t.storeID) {
            if let kept = last[t.storeID], tick.timeIntervalSince(kept.readAt) <= rotation.freshFor {
                reading.metrics[t.storeID] = kept.metrics
            } else {
                reading.errors[t.storeID] =
                    "\(t.metricsURL) not read in the last \(Format.number(rotation.freshFor)) s (stores are read in turn); its metrics are unknown"
            }
        }
        // Forget stores PD no longer lists.
        let ids = Set(allTargets.map(\.storeID))
        previous = previous.filter { ids.contains($0.key) }
        last = last.filter { ids.contains($0.key) }
        lastFailed = lastFailed.filter { ids.contains($0) }
        return reading
    }

    private func scrapeAll(_ targets: [StoreMetricsTarget]) async -> [UInt64: Result<MetricsScrape, MetricsScrapeError>] {
        let timeout = self.timeout
        let client = self.httpClient
        let logger = self.logger
        return await withTaskGroup(of: (UInt64, Result<MetricsScrape, MetricsScrapeError>).self) { group in
            func scrape(_ t: StoreMetricsTarget) -> @Sendable () async -> (UInt64, Result<MetricsScrape, MetricsScrapeError>) {
                {
                    let scraper = MetricsScraper(
                        url: t.metricsURL, timeout: timeout, families: TiKVMetricQueries.families, httpClient: client, logger: logger)
                    do {
                        return (t.storeID, .success(try await scraper.scrape()))
                    } catch let e as MetricsScrapeError {
                        return (t.storeID, .failure(e))
                    } catch {
                        return (t.storeID, .failure(MetricsScrapeError(url: t.metricsURL, reason: .unreachable, underlying: "\(error)")))
                    }
                }
            }
            // At most `maxConcurrentScrapes` pages in flight: each is ~1.4 MB on a real store, and 500 at
            // once would hold hundreds of MB and swamp the two cores a monitor is given.
            var pending = targets[...]
            for _ in 0..<Self.maxConcurrentScrapes {
                guard let t = pending.popFirst() else { break }
                group.addTask(operation: scrape(t))
            }
            var out: [UInt64: Result<MetricsScrape, MetricsScrapeError>] = [:]
            for await (id, r) in group {
                out[id] = r
                if let t = pending.popFirst() { group.addTask(operation: scrape(t)) }
            }
            return out
        }
    }
}
