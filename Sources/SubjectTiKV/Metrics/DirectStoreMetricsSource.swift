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
public actor DirectStoreMetricsSource: StoreMetricsSource {
    public nonisolated var name: String { "direct" }
    let timeout: Duration
    let warmup: Duration
    let httpClient: HTTPClient
    let logger: Logger
    private var previous: [UInt64: MetricsScrape] = [:]

    public init(
        timeout: Duration = .seconds(3), warmup: Duration = .seconds(1), httpClient: HTTPClient = OperatorHTTPClient.shared,
        logger: Logger = Logger(label: "operator.tikv.metrics")
    ) {
        self.timeout = timeout
        self.warmup = warmup
        self.httpClient = httpClient
        self.logger = logger
    }

    public func read(_ targets: [StoreMetricsTarget]) async -> StoreMetricsReading {
        var reading = StoreMetricsReading(source: name)
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
        // Forget stores PD no longer lists.
        let ids = Set(targets.map(\.storeID))
        previous = previous.filter { ids.contains($0.key) }
        return reading
    }

    private func scrapeAll(_ targets: [StoreMetricsTarget]) async -> [UInt64: Result<MetricsScrape, MetricsScrapeError>] {
        let timeout = self.timeout
        let client = self.httpClient
        let logger = self.logger
        return await withTaskGroup(of: (UInt64, Result<MetricsScrape, MetricsScrapeError>).self) { group in
            for t in targets {
                group.addTask {
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
            var out: [UInt64: Result<MetricsScrape, MetricsScrapeError>] = [:]
            for await (id, r) in group { out[id] = r }
            return out
        }
    }
}
