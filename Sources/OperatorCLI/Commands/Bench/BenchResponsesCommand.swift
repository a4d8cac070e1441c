import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import OperatorCore
import PrometheusClient
import ServiceLifecycle
import SubjectTiKV

/// Peak memory for fetching and decoding one large PD `/stores` answer, as a multiple of its size.
///
/// Each size is served from a loopback server in this process and read with the production `PDClient`;
/// resident memory is sampled while the request runs, after a small warm-up request on the same
/// connection. Sizes run smallest first, so each baseline already holds whatever the previous size left.
struct BenchResponsesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "responses",
        abstract: "Peak memory to fetch and decode one large PD /stores body, next to the body's size.",
        discussion: """
            `--whole-document` decodes the way Operator did before element-wise decoding (one JSONDecoder parse of the whole body) and lifts the route's body cap, for the before/after comparison.
            """)

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        /// PD `/pd/api/v1/stores` through `PDClient`.
        case stores
        /// A store's `/metrics` page through `MetricsScraper`.
        case metrics
    }

    @Option(help: "What to fetch: stores (PD /stores via PDClient) or metrics (a /metrics page via MetricsScraper).")
    var kind: Kind = .stores
    @Option(help: ArgumentHelp("Body sizes, smallest first (e.g. 1MB,10MB,50MB).", valueName: "sizes"))
    var sizes: String = "1MB,10MB,50MB"
    @Flag(help: "Decode the whole body in one JSONDecoder parse, with no body cap (the old behaviour).")
    var wholeDocument = false
    @Flag(help: "With --kind metrics: parse every family, not only those the TiKV subject reads (the old behaviour).")
    var allFamilies = false
    @Option(help: ArgumentHelp("Accept bodies up to this size instead of the route's cap (e.g. 100MB).", valueName: "size"))
    var maxBody: String?
    @Flag(help: "Print JSON.") var json = false

    struct Row: Encodable {
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

    func run() async throws {
        let targets = try sizes.split(separator: ",").map { try BenchFormat.bytes(String($0)) }.sorted()
        let cap = try maxBody.map { try BenchFormat.bytes($0) }
        var rows: [Row] = []
        for target in targets {
            rows.append(kind == .stores ? try await measure(minimumBytes: target, cap: cap) : try await measureMetrics(minimumBytes: target, cap: cap))
        }
        if json {
            try Output.json(rows)
            return
        }
        let mb = { (b: Int) in BenchFormat.number(Double(b) / 1e6) + " MB" }
        let table = BenchTable(
            title: kind == .metrics
                ? "/metrics page memory (MetricsScraper, \(allFamilies ? "every family" : "TiKV's families only"), \(maxBody.map { "cap \($0)" } ?? "default cap"))"
                : "PD /stores response memory (\(wholeDocument ? "whole-document decode" : "element-wise decode"), \(maxBody.map { "cap \($0)" } ?? (wholeDocument ? "no cap" : "route cap")))",
            columns: ["body", kind == .metrics ? "lines" : "stores", "outcome", "RSS before", "RSS peak", "peak - before", "(peak - before) / body", "seconds"],
            rows: rows.map { r in
                let grown = r.residentBytesPeak - r.residentBytesBefore
                return [mb(r.bodyBytes), "\(r.items)", r.outcome, mb(r.residentBytesBefore), mb(r.residentBytesPeak), mb(grown),
                        BenchFormat.ratio(Double(grown), Double(r.bodyBytes)), BenchFormat.number(r.seconds, digits: 2)]
            },
            notes: ["resident memory sampled every 5 ms from /proc/self/status while the request and decode run"])
        Output.line(table.render(markdown: false))
    }

    private func measure(minimumBytes: Int, cap: Int?) async throws -> Row {
        let (body, stores) = StoresBody.make(minimumBytes: minimumBytes)
        let bodyBytes = body.readableBytes
        let router = Router()
        router.get(RouterPath(PDAPI.stores.path)) { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: body))
        }
        router.get(RouterPath(PDAPI.version.path)) { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"version":"8.5.0"}"#)))
        }
        return try await Self.serving(router, name: "PD") { port, group in
            let client = PDClient(
                endpoints: ["http://127.0.0.1:\(port)"], timeout: .seconds(300),
                maxBodyBytes: cap ?? (wholeDocument ? Int.max : PDClient.defaultMaxBodyBytes))
            let wholeDocument = self.wholeDocument
            // Warm up (connection, event loop, decoder) so the measurement holds only the large answer.
            _ = try await client.get(PDAPI.version)
            let before = ProcessMemory.residentBytes() ?? 0
            let clock = ContinuousClock(), start = clock.now
            let (outcome, peak) = await ProcessMemory.peak(every: .milliseconds(5)) { () -> String in
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
            let seconds = (clock.now - start).seconds
            await group.triggerGracefulShutdown()
            return Row(
                bodyBytes: bodyBytes, items: stores, outcome: outcome, residentBytesBefore: before, residentBytesPeak: peak,
                seconds: seconds, peakOverBody: Double(peak - before) / Double(max(1, bodyBytes)))
        }
    }
}

extension BenchResponsesCommand {
    private func measureMetrics(minimumBytes: Int, cap: Int?) async throws -> Row {
        let (body, lines) = MetricsPageBody.make(minimumBytes: minimumBytes)
        let bodyBytes = body.readableBytes
        let router = Router()
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: ResponseBody(byteBuffer: body))
        }
        router.get("/warmup") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: ResponseBody(byteBuffer: ByteBuffer(string: "up 1\n")))
        }
        return try await Self.serving(router, name: "exporter") { port, group in
            let base = "http://127.0.0.1:\(port)"
            _ = try await MetricsScraper(url: base + "/warmup", timeout: .seconds(60)).scrape()
            let families = allFamilies ? nil : TiKVMetricQueries.families
            let scraper = MetricsScraper(url: base + "/metrics", timeout: .seconds(300), maxBodyBytes: cap ?? 64 << 20, families: families)
            let before = ProcessMemory.residentBytes() ?? 0
            let clock = ContinuousClock(), start = clock.now
            let (outcome, peak) = await ProcessMemory.peak(every: .milliseconds(5)) { () -> String in
                do {
                    return "\(try await scraper.scrape().page.samples.count) samples parsed"
                } catch {
                    return "refused: \(error)"
                }
            }
            let seconds = (clock.now - start).seconds
            await group.triggerGracefulShutdown()
            return Row(
                bodyBytes: bodyBytes, items: lines, outcome: outcome, residentBytesBefore: before, residentBytesPeak: peak,
                seconds: seconds, peakOverBody: Double(peak - before) / Double(max(1, bodyBytes)))
        }
    }
}

/// `PDStores` read in one whole-document parse: not a list response, so the decoder takes the old path.
struct WholeDocumentStores: Decodable, Sendable {
    var value: PDStores
    init(from decoder: any Decoder) throws { value = try PDStores(from: decoder) }
}

extension BenchResponsesCommand {
    /// Runs `router` on a loopback port for the length of `body`, which gets the port and the group to
    /// shut down once its measurement is taken.
    fileprivate static func serving<T: Sendable>(
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
            guard let port = await iterator.next(), port > 0 else { throw CLIFailure("the loopback \(name) did not start") }
            return try await body(port, group)
        }
    }
}
