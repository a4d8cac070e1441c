import Foundation
import NIOCore
import Testing

@testable import PrometheusClient

/// A page fed part by part, however the network splits it, parses exactly as the whole page does; and a
/// reader's family filter skips other families' comments as well as their samples.
@Suite("Text exposition format parser, fed as the body arrives")
struct ExpositionStreamParserTests {
    /// Every kind of line, CRLF endings, a bad line, a bad comment and a last line without its newline.
    static let page = #"""
        # HELP tikv_store_size_bytes Size of storage.\nSecond line.
        # TYPE tikv_store_size_bytes gauge
        tikv_store_size_bytes{type="capacity"} 107374182400
        tikv_store_size_bytes{type="available"} 7516192768 1700000000000
        # TYPE tikv_engine_size_bytes gauge
        tikv_engine_size_bytes{db="kv",cf="default"} 12

        this line is broken\#r
        # TYPE tikv_grpc_msg_duration_seconds histogram\#r
        tikv_grpc_msg_duration_seconds_bucket{type="kv_get",le="0.001"} 10\#r
        tikv_grpc_msg_duration_seconds_bucket{type="kv_get",le="+Inf"} 12
        tikv_grpc_msg_duration_seconds_count{type="kv_get"} 12
        # TYPE 9bad gauge
        odd{path="C:\\dir",quote="say \"hi\""} NaN
        process_cpu_seconds_total 12.5
        """#

    static func parts(_ bytes: [UInt8], size: Int) -> [ByteBuffer] {
        stride(from: 0, to: bytes.count, by: size).map { ByteBuffer(bytes: bytes[$0..<min($0 + size, bytes.count)]) }
    }

    static func same(_ a: MetricsPage, _ b: MetricsPage) -> Bool {
        a.samples == b.samples && a.types == b.types && a.help == b.help && a.issues == b.issues && a.lineCount == b.lineCount
    }

    @Test("split into parts of every size from 1 byte up, the page parses as it does whole", arguments: [
        nil, MetricFamilyFilter(families: ["tikv_store_size_bytes", "tikv_grpc_msg_duration_seconds", "process_cpu_seconds_total"]),
    ])
    func anySplitParsesAsTheWholePage(filter: MetricFamilyFilter?) {
        let bytes = Array(Self.page.utf8)
        let whole = ExpositionParser.parse(ByteBuffer(bytes: bytes), keeping: filter)
        #expect(!whole.samples.isEmpty)
        // Line 8 is a sample line of a family the filter does not keep: skipped unread when filtering.
        #expect(whole.issues.map(\.line) == (filter == nil ? [8, 13] : [13]), "\(whole.issues)")
        #expect(whole.lineCount == 15)
        for size in [1, 2, 3, 5, 7, 13, 64, bytes.count] {
            var parser = ExpositionStreamParser(keeping: filter)
            for part in Self.parts(bytes, size: size) { parser.feed(part) }
            #expect(parser.bytesRead == bytes.count)
            let streamed = parser.finish()
            #expect(Self.same(streamed, whole), "parts of \(size) bytes")
        }
    }

    @Test("a trailing newline ends the last line; nothing is left over")
    func trailingNewline() {
        var parser = ExpositionStreamParser()
        parser.feed(ByteBuffer(string: "up 1\nother 2"))
        parser.feed(ByteBuffer(string: "\n"))
        let page = parser.finish()
        #expect(page.value("other") == 2)
        #expect(page.lineCount == 2)
        #expect(page.issues.isEmpty)
    }

    @Test("with a filter, other families' HELP and TYPE are skipped; the kept ones and malformed ones are read")
    func filterSkipsOtherFamiliesComments() {
        let filter = MetricFamilyFilter(families: ["tikv_store_size_bytes", "tikv_grpc_msg_duration_seconds"])
        let page = ExpositionParser.parse(ByteBuffer(string: Self.page), keeping: filter)
        #expect(page.types == ["tikv_store_size_bytes": .gauge, "tikv_grpc_msg_duration_seconds": .histogram])
        #expect(page.help == ["tikv_store_size_bytes": "Size of storage.\nSecond line."])
        #expect(page.issues.map(\.line) == [13], "the TYPE without a valid name")
        #expect(page.type(ofSample: "tikv_grpc_msg_duration_seconds_bucket") == .histogram)
        let all = ExpositionParser.parse(ByteBuffer(string: Self.page))
        #expect(all.types["tikv_engine_size_bytes"] == .gauge, "without a filter every family's TYPE is read")
    }

    @Test("samples of one name share one copy of the name")
    func namesAreShared() {
        let page = ExpositionParser.parse(ByteBuffer(string: Self.page))
        let buckets = page.samples(named: "tikv_grpc_msg_duration_seconds_bucket")
        #expect(buckets.count == 2)
        let storages = buckets.map { sample in
            sample.name.utf8.withContiguousStorageIfAvailable { UInt(bitPattern: $0.baseAddress) }
        }
        #expect(storages[0] != nil && storages[0] == storages[1], "one heap string for both samples")
    }
}
