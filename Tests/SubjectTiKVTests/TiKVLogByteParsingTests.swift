import Foundation
import OperatorCore
import Testing

@testable import SubjectTiKV

/// The byte path (`parse(lineBytes:)`, what `operator logs parse` and `operator bench logs` use) must give
/// exactly what `parse(line:)` gives for the same line decoded as `LineReader.next()` decodes it: every
/// event, every ignored line, every reason.
@Suite struct TiKVLogByteParsingTests {
    let parser = TiKVLogParser()

    /// Both entry points on the same bytes.
    func bothWays(_ bytes: [UInt8]) -> (bytes: LogLineResult, text: LogLineResult) {
        let viaBytes = bytes.withUnsafeBufferPointer { parser.parse(lineBytes: $0) }
        let viaText = parser.parse(line: Substring(String(decoding: bytes, as: UTF8.self)))
        return (viaBytes, viaText)
    }

    @Test(arguments: TiKVLogGenerator.Format.allCases)
    func generatedLinesParseTheSameFromBytesAndFromText(format: TiKVLogGenerator.Format) {
        var generator = TiKVLogGenerator(options: .init(seed: 21, format: format, eventShare: 0.4, garbageEvery: 31))
        var events = 0, ignored = 0, unparseable = 0
        for _ in 0..<5_000 {
            let line = Array(generator.nextLine().utf8)
            let (viaBytes, viaText) = bothWays(line)
            #expect(viaBytes == viaText, "\(String(decoding: line, as: UTF8.self))")
            switch viaBytes {
            case .event: events += 1
            case .ignored: ignored += 1
            case .unparseable: unparseable += 1
            }
        }
        // The comparison covered all three outcomes.
        #expect(events > 1_000 && ignored > 1_000 && unparseable > 100)
    }

    @Test func cutAndCorruptedLinesParseTheSameFromBytesAndFromText() {
        // Every cut of real lines (mid-token, mid-escape, mid-UTF-8 sequence) and single-byte corruptions,
        // including bytes that are not UTF-8.
        let lines = [
            #"[2024/08/07 09:44:59.054 +00:00] [WARN] [util.rs:328] ["reconnect failed"] [err="Other(\"[components/pd_client/src/util.rs:367]: invalid\")"]"#,
            #"[2024/08/07 09:44:59.054 +00:00] [INFO] [raft.rs:1228] ["became leader at term 6"] [term=6] [raft_id=49] [region_id=48]"#,
            #"[2024/08/07 09:44:59.054 +00:00] [WARN] [x.rs:1] ["store heartbeat failed"] [name=数据✓] [err="caf\u00e9 \ud83d\ude00 ✓"]"#,
            #"[2024/08/07 09:44:59.054 +00:00] [INFO] [<unknown>] ["subchannel 0x7f {address=ipv4:10.0.1.3:2379}: connect failed: {\"created\":\"@1\"}"]"#,
            #"{"time":"2024/08/07 09:44:59.054 +08:00","level":"INFO","caller":"tracker.rs:264","message":"slow-query","txn_start_ts":451207842537439233,"total_lifetime":"1.5s"}"#,
        ].map { Array($0.utf8) }
        var compared = 0
        for line in lines {
            for cut in 0...line.count {
                let (a, b) = bothWays(Array(line[..<cut]))
                #expect(a == b, "cut at \(cut) of \(String(decoding: line, as: UTF8.self))")
                compared += 1
            }
            for position in stride(from: 0, to: line.count, by: 3) {
                for replacement: UInt8 in [0x00, 0x22, 0x5C, 0x5D, 0x80, 0xC3, 0xE2, 0xFF] {
                    var corrupted = line
                    corrupted[position] = replacement
                    let (a, b) = bothWays(corrupted)
                    #expect(a == b, "byte \(position) set to \(replacement) in \(String(decoding: line, as: UTF8.self))")
                    compared += 1
                }
            }
        }
        #expect(compared > 1_000)
    }

    @Test func bytesThatAreNotUTF8AreReportedAsSuch() {
        var line = Array("[2024/08/07 09:44".utf8)
        line.insert(0xFF, at: 3)
        let result = line.withUnsafeBufferPointer { parser.parse(lineBytes: $0) }
        guard case .unparseable(let reason) = result else {
            Issue.record("expected unparseable, got \(result)")
            return
        }
        #expect(reason.contains("not UTF-8"))
    }

    @Test func anEscapedMessageIsMatchedOnItsDecodedText() throws {
        // serde_json would not escape these letters, but the message means "sent snapshot" all the same;
        // and a message whose escapes make it something else is no event.
        let sent = #"[2024/07/09 16:25:24.239 +08:00] [INFO] [snap.rs:584] ["\u0073ent snapshot"] [duration=1.5s] [region_id=7]"#
        guard case .event(let e) = parser.parse(lineBytes: sent) else {
            Issue.record("expected an event from \(sent)")
            return
        }
        #expect(e.kind == "snapshot-sent")
        #expect(e.message == "sent snapshot")
        #expect(e.fields["duration_ms"] == "1500")
        let other = #"[2024/07/09 16:25:24.239 +08:00] [INFO] [snap.rs:584] ["sent snapshot\n"] [region_id=7]"#
        #expect(parser.parse(lineBytes: other) == .ignored)
        let bad = #"[2024/07/09 16:25:24.239 +08:00] [INFO] [snap.rs:584] ["sent \x snapshot"] [region_id=7]"#
        #expect(parser.parse(lineBytes: bad) == .unparseable(reason: "the quoted message has an invalid escape sequence"))
    }

    @Test func longQuotedValuesWithAndWithoutEscapes() throws {
        let plain = String(repeating: "configuration voters {1, 2, 3} ", count: 40)
        let line = #"[2024/08/07 09:44:59.054 +00:00] [WARN] [x.rs:1] ["store heartbeat failed"] [config="\#(plain)"] [err="\#(plain)\"quoted\" tail"] [region_id=9]"#
        guard case .event(let e) = parser.parse(lineBytes: line) else {
            Issue.record("expected an event")
            return
        }
        #expect(e.fields["config"] == plain)
        #expect(e.fields["err"] == plain + "\"quoted\" tail")
        #expect(e.fields["region_id"] == "9")
        // A backslash escaping the closing quote leaves the value open.
        let open = #"[2024/08/07 09:44:59.054 +00:00] [WARN] [x.rs:1] ["store heartbeat failed"] [err="\#(plain)\"]"#
        guard case .unparseable(let reason) = parser.parse(lineBytes: open) else {
            Issue.record("expected unparseable")
            return
        }
        #expect(reason.contains("truncated"))
    }

    @Test func aRepeatedKeyKeepsItsFirstValue() throws {
        let line = #"[2024/08/07 09:44:59.054 +00:00] [WARN] [x.rs:1] ["store heartbeat failed"] [store_id=4] [err=a] [store_id=9] [err=b]"#
        guard case .event(let e) = parser.parse(lineBytes: line) else {
            Issue.record("expected an event")
            return
        }
        #expect(e.fields["store_id"] == "4")
        #expect(e.fields["err"] == "a")
        #expect(e.entity == Entity(kind: "store", id: "4"))
    }
}

extension TiKVLogParser {
    /// `parse(lineBytes:)` on a string's bytes, for tests.
    fileprivate func parse(lineBytes text: String) -> LogLineResult {
        Array(text.utf8).withUnsafeBufferPointer { parse(lineBytes: $0) }
    }
}
