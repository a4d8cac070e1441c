import NIOCore
import Testing

@testable import PrometheusClient

/// A reader that names its families gets exactly their samples; everything else on the page is skipped
/// unparsed, and a page that is not the text format is still reported as such.
@Suite struct MetricFamilyFilterTests {
    static let page = """
        # HELP tikv_store_size_bytes Size of storage.
        # TYPE tikv_store_size_bytes gauge
        tikv_store_size_bytes{type="capacity"} 107374182400
        tikv_store_size_bytes{type="available"} 64424509440
        # TYPE tikv_engine_block_cache_size_bytes gauge
        tikv_engine_block_cache_size_bytes{cf="default",db="kv"} 1.2e9
        tikv_grpc_msg_duration_seconds_bucket{type="kv_get",le="0.001"} 10
        tikv_grpc_msg_duration_seconds_bucket{type="kv_get",le="+Inf"} 12
        tikv_grpc_msg_duration_seconds_count{type="kv_get"} 12
        process_cpu_seconds_total 12.5
        tikv_thread_cpu_seconds_total{name="raftstore_0",tid="77"} 3
        """

    @Test func onlyTheNamedFamiliesAreParsed() {
        let filter = MetricFamilyFilter(families: ["tikv_store_size_bytes", "tikv_grpc_msg_duration_seconds", "process_cpu_seconds_total"])
        let all = ExpositionParser.parse(ByteBuffer(string: Self.page))
        let kept = ExpositionParser.parse(ByteBuffer(string: Self.page), keeping: filter)
        #expect(all.samples.count == 8)
        #expect(Set(kept.samples.map(\.name)) == [
            "tikv_store_size_bytes", "tikv_grpc_msg_duration_seconds_bucket", "tikv_grpc_msg_duration_seconds_count",
            "process_cpu_seconds_total",
        ])
        #expect(kept.samples == all.samples.filter { !$0.name.hasPrefix("tikv_engine") && !$0.name.hasPrefix("tikv_thread") })
        #expect(kept.issues.isEmpty)
    }

    @Test func linesThatAreNotSamplesAreStillReported() {
        let filter = MetricFamilyFilter(families: ["up"])
        let page = ExpositionParser.parse(ByteBuffer(string: "<html>\n{\"status\":\"success\"}\n"), keeping: filter)
        #expect(page.samples.isEmpty)
        #expect(page.issues.count == 2)
    }
}
