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
    /// Each store's last page, as much of it as the next page's rates need (a page's parsed samples would
    /// be ~100 KB a store kept between ticks; a baseline is a few KB).
    private var previous: [UInt64: ScrapeBaseline] = [:]
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
        // Connections to stores read again next tick (flagged ones, or all of a small cluster) are kept;
        // the others are closed after the read instead of idling in the pool until their turn comes again.
        let readEveryTick = allTargets.count <= max(rotation.minimumPerTick, rotation.wholeClusterUpTo)
        let keepAlive = Set(targets.filter { readEveryTick || $0.flag != nil }.map(\.storeID))
        let first = await scrapeAll(targets, keepAlive: keepAlive)
        // What each store's page gave, reduced as it arrived (`StorePageRead`): no page is held here.
        var current: [UInt64: StorePageRead] = [:]
        var needWarmup: [StoreMetricsTarget] = []
        for t in targets {
            switch first[t.storeID] {
            case .success(let read)?:
                current[t.storeID] = read
                if !read.rated { needWarmup.append(t) }
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
            for t in needWarmup { previous[t.storeID] = current[t.storeID]?.baseline }
            try? await Task.sleep(for: warmup)
            let second = await scrapeAll(needWarmup, keepAlive: keepAlive)
            for t in needWarmup {
                switch second[t.storeID] {
                case .success(let read)?: current[t.storeID] = read
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
            reading.metrics[t.storeID] = now.metrics
            if !now.rated {
                reading.errors[t.storeID] = "only one scrape of \(t.metricsURL) so far: rates and p99s need two"
            }
            previous[t.storeID] = now.baseline
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

    /// Reads the targets' pages, at most ``maxConcurrentScrapes`` at once, each reduced to a
    /// ``StorePageRead`` against the store's previous page as soon as it is parsed.
    private func scrapeAll(
        _ targets: [StoreMetricsTarget], keepAlive: Set<UInt64>
    ) async -> [UInt64: Result<StorePageRead, MetricsScrapeError>] {
        let timeout = self.timeout
        let client = self.httpClient
        let logger = self.logger
        let previous = self.previous
        return await withTaskGroup(of: (UInt64, Result<StorePageRead, MetricsScrapeError>).self) { group in
            func scrape(_ t: StoreMetricsTarget) -> @Sendable () async -> (UInt64, Result<StorePageRead, MetricsScrapeError>) {
                let before = previous[t.storeID]
                return {
                    let scraper = MetricsScraper(
                        url: t.metricsURL, timeout: timeout, families: TiKVMetricQueries.families,
                        keepAlive: keepAlive.contains(t.storeID), httpClient: client, logger: logger)
                    do {
                        return (t.storeID, .success(StorePageRead(try await scraper.scrape(), previous: before)))
                    } catch let e as MetricsScrapeError {
                        return (t.storeID, .failure(e))
                    } catch {
                        return (t.storeID, .failure(MetricsScrapeError(url: t.metricsURL, reason: .unreachable, underlying: "\(error)")))
                    }
                }
            }
            // At most `maxConcurrentScrapes` pages in flight: a page is parsed as it arrives and reduced once
            // parsed (its kept samples, ~100 KB, are what it holds meanwhile, not its 1.4 MB), but 500 at once
            // would still swamp the two cores a monitor is given and hold every connection's buffers at once.
            var pending = targets[...]
            for _ in 0..<Self.maxConcurrentScrapes {
                guard let t = pending.popFirst() else { break }
                group.addTask(operation: scrape(t))
            }
            var out: [UInt64: Result<StorePageRead, MetricsScrapeError>] = [:]
            for await (id, r) in group {
                out[id] = r
                if let t = pending.popFirst() { group.addTask(operation: scrape(t)) }
            }
            return out
        }
    }
}

/// What one read of a store's page leaves once parsed: its metrics (rates and p99s when the store's previous
/// page allows, else the gauges) and the baseline the next read's rates start from. Made in the task that read
/// the page, so a tick that reads a whole large cluster (the first) never holds its parsed pages together.
struct StorePageRead: Sendable {
    var metrics: StoreMetrics
    /// Whether `metrics` has rates: there was a previous page, older than this one.
    var rated: Bool
    var baseline: ScrapeBaseline

    init(_ scrape: MetricsScrape, previous: ScrapeBaseline?) {
        if let previous, scrape.seconds(since: previous) != nil {
            metrics = TiKVMetricQueries.directMetrics(previous: previous, current: scrape)
            rated = true
        } else {
            metrics = TiKVMetricQueries.gauges(scrape.page)
            rated = false
        }
        baseline = ScrapeBaseline(scrape)
    }
}
