import Foundation
import Testing

@testable import PrometheusClient

@Suite("Text exposition format parser")
struct ExpositionParserTests {
    @Test("HELP and TYPE lines, escapes and every value spelling")
    func helpTypeAndValues() throws {
        let page = ExpositionParser.parse(
            #"""
            # HELP etcd_server_has_leader Whether or not a leader exists. 1 is existence, 0 is not.
            # TYPE etcd_server_has_leader gauge
            etcd_server_has_leader 1
            # HELP odd_help A backslash \\ and a newline \n in help.
            # TYPE odd_help untyped
            odd_help{path="C:\\dir",quote="say \"hi\"",nl="a\nb"} 3.5
            weird_values{kind="nan"} NaN
            weird_values{kind="pinf"} +Inf
            weird_values{kind="ninf"} -Inf
            weird_values{kind="sci"} 1.5e-3
            with_timestamp{a="b"} 42 1795417505688
            trailing_comma{a="1",b="2",} 7
            spaced { a = "1" , b="2" }   8
            """#)
        #expect(page.issues == [])
        #expect(page.types["etcd_server_has_leader"] == .gauge)
        #expect(page.help["etcd_server_has_leader"] == "Whether or not a leader exists. 1 is existence, 0 is not.")
        #expect(page.help["odd_help"] == "A backslash \\ and a newline \n in help.")
        #expect(page.types["odd_help"] == .untyped)
        let odd = try #require(page.samples(named: "odd_help").first)
        #expect(odd.labels == ["path": #"C:\dir"#, "quote": #"say "hi""#, "nl": "a\nb"])
        #expect(odd.value == 3.5)
        #expect(page.value("weird_values", ["kind": "nan"])?.isNaN == true)
        #expect(page.value("weird_values", ["kind": "pinf"]) == .infinity)
        #expect(page.value("weird_values", ["kind": "ninf"]) == -.infinity)
        #expect(page.value("weird_values", ["kind": "sci"]) == 0.0015)
        let stamped = try #require(page.samples(named: "with_timestamp").first)
        #expect(stamped.timestampMilliseconds == 1_795_417_505_688)
        #expect(stamped.value == 42)
        #expect(page.value("trailing_comma") == 7)
        #expect(page.samples(named: "trailing_comma").first?.labels == ["a": "1", "b": "2"])
        #expect(page.value("spaced", ["a": "1", "b": "2"]) == 8)
        #expect(page.lineCount == 13)
    }

    @Test("histograms and summaries keep their family type; sums and quantiles read them")
    func histogramsAndSummaries() throws {
        let page = ExpositionParser.parse(
            """
            # HELP tikv_grpc_msg_duration_seconds Bucketed histogram of grpc server messages
            # TYPE tikv_grpc_msg_duration_seconds histogram
            tikv_grpc_msg_duration_seconds_bucket{type="kv_get",le="0.001"} 80
            tikv_grpc_msg_duration_seconds_bucket{type="kv_get",le="0.002"} 90
            tikv_grpc_msg_duration_seconds_bucket{type="kv_get",le="+Inf"} 100
            tikv_grpc_msg_duration_seconds_sum{type="kv_get"} 0.12
            tikv_grpc_msg_duration_seconds_count{type="kv_get"} 100
            tikv_grpc_msg_duration_seconds_bucket{type="kv_gc",le="0.001"} 0
            tikv_grpc_msg_duration_seconds_bucket{type="kv_gc",le="0.002"} 0
            tikv_grpc_msg_duration_seconds_bucket{type="kv_gc",le="+Inf"} 50
            tikv_grpc_msg_duration_seconds_sum{type="kv_gc"} 100
            tikv_grpc_msg_duration_seconds_count{type="kv_gc"} 50
            # TYPE go_gc_duration_seconds summary
            go_gc_duration_seconds{quantile="0.5"} 0.0001
            go_gc_duration_seconds{quantile="1"} 0.002
            go_gc_duration_seconds_sum 0.01
            go_gc_duration_seconds_count 12
            """)
        #expect(page.issues.isEmpty)
        #expect(page.type(ofSample: "tikv_grpc_msg_duration_seconds_bucket") == .histogram)
        #expect(page.type(ofSample: "tikv_grpc_msg_duration_seconds_count") == .histogram)
        #expect(page.type(ofSample: "go_gc_duration_seconds_sum") == .summary)
        #expect(page.type(ofSample: "go_gc_duration_seconds") == .summary)
        #expect(page.value("go_gc_duration_seconds", ["quantile": "1"]) == 0.002)

        let counts = page.sum(
            "tikv_grpc_msg_duration_seconds_count", matching: [.notEqual("type", "kv_gc")], by: ["type"])
        #expect(counts == [["type": "kv_get"]: 100])
        // Rank 99 falls in (0.002, +Inf] → highest finite bound, as Prometheus does.
        let p99 = page.histogramQuantile(
            0.99, ofHistogram: "tikv_grpc_msg_duration_seconds", matching: [.notEqual("type", "kv_gc")])
        #expect(p99 == [[:]: 0.002])
        // Rank 50 of 80 in the first bucket (0, 0.001] → 0.001 * 50/80.
        let p50 = try #require(
            page.histogramQuantile(0.5, ofHistogram: "tikv_grpc_msg_duration_seconds", by: ["type"])[["type": "kv_get"]])
        #expect(abs(p50 - 0.000625) < 1e-12)
    }

    @Test("bad lines are counted with their line numbers and the rest of the page survives")
    func tolerantOfBadLines() {
        let page = ExpositionParser.parse(
            """
            good_one 1
            bad value here
            {nolabelname} 2
            unterminated{a="b 3
            bad_escape{a="\\x"} 4
            missing_value{a="b"}
            bad_timestamp 5 notatime
            # TYPE good_two fancy
            dup_label{a="1",a="2"} 6
            good_two{x="y"} 2
            unquoted{a=b} 7
            """)
        #expect(page.samples.map(\.name) == ["good_one", "good_two"])
        #expect(page.issues.map(\.line) == [2, 3, 4, 5, 6, 7, 8, 9, 11])
        #expect(page.issues[0].reason.contains("not a number"))
        #expect(page.issues[3].reason.contains("invalid escape"))
        #expect(page.issues[6].reason.contains("unknown type"))
        #expect(page.issues[7].reason.contains("repeated"))
        #expect(page.issues[0].description.hasPrefix("line 2:"))
    }

    @Test("CRLF line endings, blank lines and plain comments")
    func lineEndings() {
        let page = ExpositionParser.parse("# just a comment\r\n\r\nup 1\r\n  \r\nother{a=\"b\"} 2\r\n# EOF\r\n")
        #expect(page.issues.isEmpty)
        #expect(page.value("up") == 1)
        #expect(page.value("other", ["a": "b"]) == 2)
    }

    @Test("a 1,500-line etcd-sized page and a 40,000-line TiKV-sized page parse without issues")
    func largePages() {
        let etcd = SyntheticPages.etcdLike(lines: 1500)
        let start = ContinuousClock.now
        let page = ExpositionParser.parse(etcd)
        let etcdTime = ContinuousClock.now - start
        #expect(page.issues.isEmpty)
        #expect(page.lineCount == 1500)

        let tikv = SyntheticPages.tikvLike(stores: 1, typesPerHistogram: 380)
        let start2 = ContinuousClock.now
        let big = ExpositionParser.parse(tikv)
        let tikvTime = ContinuousClock.now - start2
        #expect(big.issues.isEmpty)
        #expect(big.lineCount == 40_001)
        // Measured, not asserted: printed for the report.
        print("parse etcd-like page (\(page.lineCount) lines): \(etcdTime); TiKV-like page (\(big.lineCount) lines): \(tikvTime)")
    }
}

/// Metrics pages shaped like the real ones (names and label layout from the reference sheets).
enum SyntheticPages {
    static func etcdLike(lines: Int) -> String {
        var out: [String] = [
            "# HELP etcd_server_has_leader Whether or not a leader exists. 1 is existence, 0 is not.",
            "# TYPE etcd_server_has_leader gauge", "etcd_server_has_leader 1",
            "# TYPE etcd_disk_wal_fsync_duration_seconds histogram",
        ]
        var le = 0.001
        while out.count < lines - 3 {
            out.append("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"\(le)\"} \(out.count)")
            out.append("etcd_network_peer_round_trip_time_seconds_bucket{To=\"1a8ce82d4d7953d\",le=\"\(le)\"} \(out.count)")
            le *= 1.01
        }
        out.append("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"+Inf\"} \(lines)")
        while out.count < lines { out.append("etcd_mvcc_db_total_size_in_bytes 20480") }
        return out.prefix(lines).joined(separator: "\n")
    }

    static func tikvLike(stores: Int, typesPerHistogram: Int) -> String {
        var out: [String] = ["# TYPE tikv_grpc_msg_duration_seconds histogram"]
        for t in 0..<typesPerHistogram {
            for priority in ["high", "medium", "low", "unknown"] {
                var bound = 0.00005
                for k in 0..<22 {
                    out.append(
                        "tikv_grpc_msg_duration_seconds_bucket{type=\"kv_t\(t)\",priority=\"\(priority)\",le=\"\(bound)\"} \(k * 10)")
                    bound *= 2
                }
                out.append("tikv_grpc_msg_duration_seconds_bucket{type=\"kv_t\(t)\",priority=\"\(priority)\",le=\"+Inf\"} 220")
                out.append("tikv_grpc_msg_duration_seconds_sum{type=\"kv_t\(t)\",priority=\"\(priority)\"} 1.25")
                out.append("tikv_grpc_msg_duration_seconds_count{type=\"kv_t\(t)\",priority=\"\(priority)\"} 220")
            }
        }
        for tid in 0..<2000 {
            out.append("tikv_thread_cpu_seconds_total{name=\"raftstore_\(tid % 4)\",tid=\"\(tid)\"} \(Double(tid) * 0.5)")
        }
        return out.joined(separator: "\n")
    }
}
