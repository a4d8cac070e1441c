import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
@testable import TiKVSimulator

/// Bodies of realistic size (tikv-at-scale.md): TiKV store pages of ~1.4 MB, PD's quadratic scheduler
/// series of pre-v8.5.5 PD, `/regions/check/*` bodies listing every unhealthy region, gzip on request,
/// and the bytes sent per path that `operator bench tick-cost` reads.
@Suite("realistic sizes")
struct RealisticSizeTests {
    /// GNU gzip decodes the body: an independent decoder that checks the CRC-32 and length trailer.
    func gunzip(_ data: Data) throws -> String {
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("sim-gzip-\(UUID().uuidString).gz")
        try data.write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-d", "-c", input.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        try process.run()
        let decoded = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "gzip -d rejected the body")
        return String(decoding: decoded, as: UTF8.self)
    }

    /// A GET that sees the body as sent: `HTTPClient.shared` decompresses (and asks for gzip itself).
    func rawGet(_ url: String, acceptEncoding: String?) async throws -> (encoding: String?, body: Data) {
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(decompression: .disabled))
        do {
            var request = HTTPClientRequest(url: url)
            if let acceptEncoding { request.headers.add(name: "Accept-Encoding", value: acceptEncoding) }
            let response = try await client.execute(request, timeout: .seconds(60))
            try #require(response.status == .ok, "GET \(url) answered \(response.status)")
            let body = try await response.body.collect(upTo: 512 * 1024 * 1024)
            try await client.shutdown()
            return (response.headers.first(name: "Content-Encoding"), Data(body.readableBytesView))
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Sample lines without their values (counters move with the wall clock between two scrapes).
    func shape(_ text: String) -> [Substring] {
        text.split(separator: "\n").map { line in
            line.hasPrefix("#") ? line : line[..<(line.lastIndex(of: " ") ?? line.endIndex)]
        }
    }

    @Test("A store's /metrics is ~1.4 MB of per-thread, per-CF and histogram series; gzip on Accept-Encoding decodes to the same page")
    func storePage() async throws {
        try await withSimulator { simulator, endpoints in
            let url = try endpoints.statusURL(ofStore: 1) + "/metrics"
            let plain = try await rawGet(url, acceptEncoding: nil)
            #expect(plain.encoding == nil)
            #expect((1_200_000...1_800_000).contains(plain.body.count), "\(plain.body.count) bytes")
            let plainText = String(decoding: plain.body, as: UTF8.self)
            let page = try MetricsText(plainText)
            let thread = try #require(page.values("tikv_threads_io_bytes_total").first)
            #expect(Set(thread.labels.keys) == ["io", "name", "tid"])
            #expect(Set(page.values("tikv_threads_io_bytes_total").compactMap { $0.labels["tid"] }).count >= 100, "a thread pool per TiKV component")
            #expect(Set(page.values("tikv_engine_num_files_at_level").compactMap { $0.labels["cf"] }) == ["default", "lock", "write", "raft", "ver_default"])
            #expect(page.buckets("tikv_scheduler_command_duration_seconds", ["type": "prewrite"]).count == 31, "30 bounds and +Inf")
            // The series the invariants read are still there.
            #expect(try page.value("tikv_raftstore_region_count", ["type": "region"]) == 30)

            let zipped = try await rawGet(url, acceptEncoding: "gzip")
            #expect(zipped.encoding == "gzip")
            #expect(zipped.body.count * 5 < plain.body.count, "gzip \(zipped.body.count) of \(plain.body.count) bytes")
            #expect(shape(try gunzip(zipped.body)) == shape(plainText))
            let refused = try await rawGet(url, acceptEncoding: "gzip;q=0, identity")
            #expect(refused.encoding == nil)

            let state = try await simulator.state()
            let bytes = try #require(state.requestBytes?[RequestCounter.storeKey("/metrics")])
            #expect(bytes == plain.body.count + zipped.body.count + refused.body.count, "bytes sent per path, as sent")
        }
    }

    @Test("PD's leader page carries the quadratic scheduler series (one row per ordered store pair); its size is selectable; gzip decodes to the same page")
    func pdPage() async throws {
        try await withSimulator { _, endpoints in
            let leader = try await scrape(endpoints.pdURLs[2])
            // 3 stores: 6 ordered pairs; pd_schedule_filter has 3 label sets per pair.
            #expect(leader.values("pd_schedule_filter").count == 18)
            #expect(leader.values("pd_scheduler_balance_direction").count == 6)
            let pair = try #require(leader.values("pd_scheduler_hot_pending").first)
            #expect(Set(pair.labels.keys) == ["source", "target", "type"] && pair.labels["source"] != pair.labels["target"])
            let follower = try await scrape(endpoints.pdURLs[0])
            #expect(follower.values("pd_schedule_filter").isEmpty, "followers export only their role")
        }

        var configuration = TiKVSimulatorConfiguration()
        configuration.pdSchedulerSeriesBytes = 3_000_000
        try await withSimulator(configuration) { simulator, endpoints in
            let url = endpoints.pdURLs[2] + "/metrics"
            let plain = try await rawGet(url, acceptEncoding: nil)
            let plainText = String(decoding: plain.body, as: UTF8.self)
            #expect((2_700_000...3_300_000).contains(plain.body.count), "about the 3 MB asked: \(plain.body.count) bytes")
            let page = try MetricsText(plainText)
            #expect(try page.value("pd_regions_status", ["type": "miss-peer-region-count"]) == 0, "the gauges come first, as before")
            let sources = Set(page.values("pd_scheduler_balance_direction").compactMap { $0.labels["source"] })
            #expect(sources.count > 3, "stale store ids make up the chosen size: \(sources.count) stores")
            let zipped = try await rawGet(url, acceptEncoding: "deflate, gzip")
            #expect(zipped.encoding == "gzip")
            #expect(zipped.body.count * 5 < plain.body.count)
            #expect(shape(try gunzip(zipped.body)) == shape(plainText))
            let state = try await simulator.state()
            let bytes = try #require(state.requestBytes?["/metrics"])
            #expect(bytes == plain.body.count + zipped.body.count, "streamed chunks are counted as sent")
        }
    }

    @Test("One dead store of 6 with 60,000 regions: after max-peer-down-duration /regions/check/down-peer lists all 30,000 regions, ~0.8 KB each")
    func downPeerBody() async throws {
        var configuration = TiKVSimulatorConfiguration()
        configuration.stores = 6
        configuration.regions = 60_000
        try await withSimulator(configuration) { simulator, endpoints in
            try await simulator.inject(.storeDown, entity: "store:6")
            try await simulator.advanceClock(bySeconds: 300)
            #expect(try await regionCheckCount(endpoints.pd, "down-peer") == 0, "not before max-peer-down-duration (10m)")
            try await simulator.advanceClock(bySeconds: 360)
            let sentBefore = try await simulator.state().requestBytes?["/pd/api/v1/regions/check/down-peer"] ?? 0
            let reply = try await httpGet(endpoints.pd + "/pd/api/v1/regions/check/down-peer")
            let body = try reply.object()
            #expect(body["count"] as? Int == 30_000)
            let regions = try #require(body["regions"] as? [[String: Any]])
            #expect(regions.count == 30_000, "real PD lists every region of the type")
            let ids = regions.compactMap { $0["id"] as? Int }
            #expect(ids == ids.sorted() && Set(ids).count == ids.count)
            #expect(regions.allSatisfy { ($0["down_peers"] as? [Any])?.isEmpty == false })
            let perRegion = Double(reply.body.count) / 30_000
            #expect((500...1_200).contains(perRegion), "\(perRegion) bytes per region")
            #expect(reply.text.hasPrefix("{\"count\":30000,\"regions\":[{"))
            let state = try await simulator.state()
            let sent = state.requestBytes?["/pd/api/v1/regions/check/down-peer"]
            #expect(sent.map { $0 - sentBefore } == reply.body.count, "each streamed chunk counted once")
        }
    }
}
