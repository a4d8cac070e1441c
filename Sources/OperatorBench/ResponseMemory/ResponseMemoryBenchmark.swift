import Foundation
import Hummingbird
import Logging
import NIOCore
import OperatorCore
import PrometheusClient
import ServiceLifecycle
import SubjectTiKV

/// Peak memory for fetching and decoding one large PD `/stores` answer (or a store's `/metrics` page),
/// as a multiple of its size.
///
/// Each size is served from a loopback server in this process and read with the production `PDClient`
/// (or `MetricsScraper`); resident memory is sampled while the request runs, after a small warm-up request
/// on the same connection. Sizes run smallest first, so each baseline already holds whatever the previous
/// size left.
public enum ResponseMemoryBenchmark {
    public enum Kind: String, Sendable, CaseIterable {
        /// PD `/pd/api/v1/stores` through `PDClient`.
        case stores
        /// A store's `/metrics` page through `MetricsScraper`.
        case metrics
    }

    public struct Options: Sendable {
        public var kind = Kind.stores
        /// Body sizes in bytes, measured smallest first.
        public var sizes: [Int] = [1_000_000, 10_000_000, 50_000_000]
        /// Decode the whole body in one JSONDecoder parse, with no body cap (the old behaviour).
        public var wholeDocument = false
        /// With `metrics`: parse every family, not only those the TiKV subject reads (the old behaviour).
        public var allFamilies = false
        /// Accept bodies up to this size (`100MB`) instead of the route's cap.
        public var maxBody: String?

        public init() {}
    }

    public struct Row: Encodable, Sendable {
        var bodyBytes: Int
        /// Stores in the body, or lines on the page.
        var items: Int
        var outcome: String
        var residentBytesBefore: Int
        var residentBytesPeak: Int
        var seconds: Double
        var peakOverBody: Double

        enum CodingKeys: String, CodingKey {
            case bodyBytes = "body_bytes"
            case items, outcome
            case residentBytesBefore = "resident_bytes_before"
            case residentBytesPeak = "resident_bytes_peak"
            case seconds
            case peakOverBody = "peak_over_body"
        }
    }

    public struct Report: Sendable {
        public var options: Options
        public var rows: [Row]

        public var table: BenchTable {
            let mb = { (b: Int) in BenchFormat.number(Double(b) / 1e6) + " MB" }
            let kind = options.kind, maxBody = options.maxBody
            return BenchTable(
                title: kind == .metrics
                    ? "/metrics page memory (MetricsScraper, \(options.allFamilies ? "every family" : "TiKV's families only"), \(maxBody.map { "cap \($0)" } ?? "default cap"))"
                    : "PD /stores response memory (\(options.wholeDocument ? "whole-document decode" : "element-wise decode"), \(maxBody.map { "cap \($0)" } ?? (options.wholeDocument ? "no cap" : "route cap")))",
                columns: ["body", kind == .metrics ? "lines" : "stores", "outcome", "RSS before", "RSS peak", "peak - before", "(peak - before) / body", "seconds"],
                rows: rows.map { r in
                    let grown = r.residentBytesPeak - r.residentBytesBefore
                    return [mb(r.bodyBytes), "\(r.items)", r.outcome, mb(r.residentBytesBefore), mb(r.residentBytesPeak), mb(grown),
                            BenchFormat.ratio(Double(grown), Double(r.bodyBytes)), BenchFormat.number(r.seconds, digits: 2)]
                },
                notes: ["resident memory sampled every 5 ms from /proc/self/status while the request and decode run"])
        }
    }

    public static func measure(options: Options) async throws -> Report {
        let cap = try options.maxBody.map { text throws(BenchmarkError) in try BenchFormat.bytes(text) }
        var rows: [Row] = []
        for target in options.sizes.sorted() {
            rows.append(
                options.kind == .stores
                    ? try await measureStores(minimumBytes: target, cap: cap, wholeDocument: options.wholeDocument)
                    : try await measureMetrics(minimumBytes: target, cap: cap, allFamilies: options.allFamilies))
        }
        return Report(options: options, rows: rows)
    }

    private static func measureStores(minimumBytes: Int, cap: Int?, wholeDocument: Bool) async throws -> Row {
        let (body, stores) = StoresBody.make(minimumBytes: minimumBytes)
        let bodyBytes = body.readableBytes
        let router = Router()
        router.get(RouterPath(PDAPI.stores.path)) { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: body))
        }
        router.get(RouterPath(PDAPI.version.path)) { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"version":"8.5.0"}"#)))
        }
        return try await serving(router, name: "PD") { port, group in
            let client = PDClient(
                endpoints: ["http://127.0.0.1:\(port)"], timeout: .seconds(300),
                maxBodyBytes: cap ?? (wholeDocument ? Int.max : PDClient.defaultMaxBodyBytes))
            // Warm up (connection, event loop, decoder) so the measurement holds only the large answer.
            _ = try await client.get(PDAPI.version)
            return try await sampled(bodyBytes: bodyBytes, items: stores, group: group) { () -> String in
                do {
                    if wholeDocument {
                        let all = try await client.get(PDEndpoint<WholeDocumentStores>(PDAPI.stores.path))
                        return "\(all.value.stores.count) stores decoded"
                    }
                    let stores = cap.map { PDEndpoint<PDStores>(PDAPI.stores.path, maxBodyBytes: $0) } ?? PDAPI.stores
                    return "\(try await client.get(stores).stores.count) stores decoded"
                } catch {
                    return "refused: \(error)"
                }
            }
        }
    }

    private static func measureMetrics(minimumBytes: Int, cap: Int?, allFamilies: Bool) async throws -> Row {
        let (body, lines) = MetricsPageBody.make(minimumBytes: minimumBytes)
        let bodyBytes = body.readableBytes
        let router = Router()
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: ResponseBody(byteBuffer: body))
        }
        router.get("/warmup") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: ResponseBody(byteBuffer: ByteBuffer(string: "up 1\n")))
        }
        return try await serving(router, name: "exporter") { port, group in
            let base = "http://127.0.0.1:\(port)"
            _ = try await MetricsScraper(url: base + "/warmup", timeout: .seconds(60)).scrape()
            let families = allFamilies ? nil : TiKVMetricQueries.families
            let scraper = MetricsScraper(url: base + "/metrics", timeout: .seconds(300), maxBodyBytes: cap ?? 64 << 20, families: families)
            return try await sampled(bodyBytes: bodyBytes, items: lines, group: group) { () -> String in
                do {
                    return "\(try await scraper.scrape().page.samples.count) samples parsed"
                } catch {
                    return "refused: \(error)"
                }
            }
        }
    }

    /// Runs one fetch while sampling resident memory every 5 ms, then shuts the loopback server down.
    private static func sampled(
        bodyBytes: Int, items: Int, group: ServiceGroup, _ fetch: @Sendable () async -> String
    ) async throws -> Row {
        let before = ProcessUsage.residentBytes() ?? 0
        let clock = ContinuousClock(), start = clock.now
        let (outcome, peak) = await ProcessUsage.peak(every: .milliseconds(5), fetch)
        let seconds = (clock.now - start).seconds
        await group.triggerGracefulShutdown()
        return Row(
            bodyBytes: bodyBytes, items: items, outcome: outcome, residentBytesBefore: before, residentBytesPeak: peak,
            seconds: seconds, peakOverBody: Double(peak - before) / Double(max(1, bodyBytes)))
    }

    /// Runs `router` on a loopback port for the length of `body`, which gets the port and the group to
    /// shut down once its measurement is taken.
    private static func serving<T: Sendable>(
        _ router: Router<BasicRequestContext>, name: String, _ body: (Int, ServiceGroup) async throws -> T
    ) async throws -> T {
        var quiet = Logger(label: "operator.bench.responses")
        quiet.logLevel = .warning
        let (ports, announce) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                announce.yield(channel.localAddress?.port ?? 0)
                announce.finish()
            }, logger: quiet)
        let group = ServiceGroup(services: [app], logger: quiet)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { tasks.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else { throw BenchmarkError.failed("the loopback \(name) did not start") }
            return try await body(port, group)
        }
    }
}

/// `PDStores` read in one whole-document parse: not a list response, so the decoder takes the old path.
struct WholeDocumentStores: Decodable, Sendable {
    var value: PDStores
    init(from decoder: any Decoder) throws { value = try PDStores(from: decoder) }
}
