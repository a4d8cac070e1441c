import Foundation
import OperatorTestSupport
import Testing

extension EndToEnd {
    /// `operator logs parse` reads lines as bytes (TiKV) or through the text fallback (etcd): CRLF endings,
    /// bytes that are not UTF-8, over-long lines and a last line without a newline all come out as events,
    /// ignored or unparseable lines with the right line numbers.
    @Suite("operator logs parse")
    struct LogsParseCommandTests {
        /// JSON lines: events, then the summary.
        func run(_ file: String, subject: String, extra: [String] = []) async throws -> (events: [[String: Any]], summary: [String: Any]) {
            let r = try await OperatorBinary.run(["logs", "parse", file, "--subject", subject, "--json"] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            var events: [[String: Any]] = []
            var summary: [String: Any] = [:]
            for line in r.stdout.split(separator: "\n") {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
                if let s = object["summary"] as? [String: Any] { summary = s } else { events.append(object) }
            }
            return (events, summary)
        }

        @Test func tikvLinesAsBytes() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            var bytes: [UInt8] = []
            bytes += Array(#"[2024/08/07 09:44:59.054 +00:00] [INFO] [raft.rs:1228] ["became leader at term 6"] [term=6] [raft_id=49] [region_id=48]"#.utf8) + [0x0D, 0x0A]
            bytes += Array(#"[2024/08/07 09:44:59.055 +00:00] [INFO] [lib.rs:89] [Welcome]"#.utf8) + [0x0A]
            // Not UTF-8 inside an event's field: shown as U+FFFD, the event still counts.
            bytes += Array(#"[2024/08/07 09:44:59.056 +00:00] [WARN] [pd.rs:1] ["store heartbeat failed"] [err=a"#.utf8) + [0xFF] + Array("b] [store_id=4]".utf8) + [0x0A]
            bytes += [0x00, 0x01, 0xC3, 0x0A]
            bytes += Array("[2024/08/07 09:44:59.057 +00:00] [INFO] [a.rs:1] [\"".utf8) + Array(repeating: 0x61, count: 400) + [0x0A]
            bytes += Array(#"[2024/07/09 16:25:24.239 +08:00] [INFO] [snap.rs:584] ["sent snapshot"] [duration=137.340853ms] [region_id=7]"#.utf8)
            let path = dir.file("tikv.log")
            try Data(bytes).write(to: URL(fileURLWithPath: path))

            let (events, summary) = try await run(path, subject: "tikv", extra: ["--max-line-bytes", "200"])
            #expect(events.map { $0["line"] as? Int } == [1, 3, 6])
            #expect(events.map { $0["kind"] as? String } == ["became-leader", "store-heartbeat-failed", "snapshot-sent"])
            let heartbeat = try #require(events[1]["fields"] as? [String: String])
            #expect(heartbeat["err"] == "a\u{FFFD}b")
            #expect(events[1]["entity"] as? String == "store:4")
            #expect((events[2]["fields"] as? [String: String])?["duration_ms"] == "137.341")
            #expect(summary["lines"] as? Int == 6)
            #expect(summary["bytes"] as? Int == bytes.count)
            #expect(summary["ignored"] as? Int == 1)
            #expect(summary["unparseable"] as? Int == 2)
            let bad = try #require(summary["first_unparseable"] as? [[String: Any]])
            #expect(bad.map { $0["line"] as? Int } == [4, 5])
            #expect((bad[0]["reason"] as? String)?.contains("binary data") == true)
            #expect((bad[1]["reason"] as? String)?.contains("longer than --max-line-bytes 200") == true)

            // --kind shows only that kind; the summary still counts every event.
            let (shown, counted) = try await run(path, subject: "tikv", extra: ["--kind", "snapshot-sent"])
            #expect(shown.map { $0["kind"] as? String } == ["snapshot-sent"])
            #expect(counted["events"] as? Int == 3)
            #expect(counted["shown_events"] as? Int == 1)
        }

        @Test func etcdLinesGoThroughTheTextPath() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let text = #"{"level":"warn","ts":"2026-11-23T07:05:15.322Z","caller":"rafthttp/stream.go:436","msg":"lost TCP streaming connection with remote peer","stream-reader-type":"stream MsgApp v2","local-member-id":"60b7da48219e4a34","remote-peer-id":"d4840de1ab8e89f9","error":"unexpected EOF"}"#
                + "\r\nnot an etcd line\n"
            let path = dir.file("etcd.log")
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            let (events, summary) = try await run(path, subject: "etcd")
            #expect(events.map { $0["kind"] as? String } == ["peer-stream-lost"])
            #expect(summary["lines"] as? Int == 2)
            #expect(summary["unparseable"] as? Int == 1)
        }
    }
}
