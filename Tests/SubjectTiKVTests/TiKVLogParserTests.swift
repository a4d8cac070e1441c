import Foundation
import OperatorCore
import Testing

@testable import SubjectTiKV

/// Real lines from tikv-interfaces.md §3 and the quoting rules of §3.1.
@Suite struct TiKVLogParserTests {
    let parser = TiKVLogParser()

    func event(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> LogEvent {
        let result = parser.parse(line: line[...])
        guard case .event(let event) = result else {
            Issue.record("expected an event, got \(result)", sourceLocation: sourceLocation)
            throw ExpectedEvent()
        }
        return event
    }

    struct ExpectedEvent: Error {}

    func reason(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let result = parser.parse(line: line[...])
        guard case .unparseable(let reason) = result else {
            Issue.record("expected unparseable, got \(result)", sourceLocation: sourceLocation)
            return ""
        }
        return reason
    }

    // MARK: - Reference lines

    @Test func realLeaderElectionLine() throws {
        // §3.2, real TiKV v8.x output.
        let e = try event(
            #"[2024/08/07 09:44:59.054 +00:00] [INFO] [raft.rs:1228] ["became leader at term 6"] [term=6] [raft_id=49] [region_id=48]"#
        )
        #expect(e.kind == "became-leader")
        #expect(e.level == "info")
        #expect(e.source == "raft.rs:1228")
        #expect(e.message == "became leader at term 6")
        #expect(e.fields["term"] == "6")
        #expect(e.fields["region_id"] == "48")
        #expect(e.fields["peer_id"] == "49")
        #expect(e.fields["raft_id"] == "49")
        #expect(e.entity == nil)
        let time = try #require(e.time)
        #expect(Timestamp.format(time) == "2024-08-07T09:44:59.054Z")
    }

    @Test func realSnapshotSentLineWithOffsetAndDuration() throws {
        // §3.3, real line written in +08:00.
        let e = try event(
            #"[2024/07/09 16:25:24.239 +08:00] [INFO] [snap.rs:584] ["sent snapshot"] [duration=137.340853ms] [size=14988542] [snap_key=142725_14_18] [region_id=142725] [thread_id=396]"#
        )
        #expect(e.kind == "snapshot-sent")
        #expect(e.fields["duration_ms"] == "137.341")
        #expect(e.fields["duration"] == "137.340853ms")
        #expect(e.fields["size"] == "14988542")
        #expect(e.fields["snap_key"] == "142725_14_18")
        #expect(e.fields["region_id"] == "142725")
        #expect(Timestamp.format(try #require(e.time)) == "2024-07-09T08:25:24.239Z")
    }

    @Test func legacyRaftMessageCarriesRegionAndPeerInTheText() throws {
        // §3.2: raft-rs before the slog migration, TiKV ≤ 3.x.
        let e = try event(
            #"[2019/05/01 10:00:00.000 +08:00] [INFO] [raft.rs:783] ["[region 2] 5 became leader at term 7"]"#)
        #expect(e.kind == "became-leader")
        #expect(e.fields["region_id"] == "2")
        #expect(e.fields["peer_id"] == "5")
        #expect(e.fields["term"] == "7")
    }

    @Test(arguments: [
        ("became follower at term 7", "became-follower", "7"),
        ("became candidate at term 8", "became-candidate", "8"),
        ("became pre-candidate at term 9", "became-pre-candidate", "9"),
        ("[region 12] 13 is starting a new election at term 4", "election-started", "4"),
    ])
    func electionMessages(message: String, kind: String, term: String) throws {
        let e = try event(#"[2024/08/07 09:44:59.054 +00:00] [INFO] [raft.rs:1100] ["\#(message)"] [raft_id=13] [region_id=12]"#)
        #expect(e.kind == kind)
        #expect(e.fields["term"] == term)
        #expect(e.fields["region_id"] == "12")
    }

    @Test func electionStartedTakesTheTermFromItsField() throws {
        let e = try event(
            #"[2024/08/07 09:44:59.054 +00:00] [INFO] [raft.rs:1550] ["starting a new election"] [term=6] [raft_id=49] [region_id=48]"#
        )
        #expect(e.kind == "election-started")
        #expect(e.fields["term"] == "6")
    }

    @Test func raftRestoredSnapshotWithBracketsInTheMessage() throws {
        let e = try event(
            #"[2024/08/07 09:44:59.054 +00:00] [INFO] [raft.rs:2588] ["[commit: 18, term: 14] restored snapshot [index: 18, term: 14]"] [snapshot_term=14] [snapshot_index=18] [raft_id=49] [region_id=48]"#
        )
        #expect(e.kind == "snapshot-restored")
        #expect(e.message == "[commit: 18, term: 14] restored snapshot [index: 18, term: 14]")
        #expect(e.fields["snapshot_index"] == "18")
    }

    @Test func slowLogWarnWithTakesIsASlowOperationInMilliseconds() throws {
        // §3.4: `["try reconnect pd"] [takes=1234]` is its own kind, but keeps the duration.
        let reconnect = try event(#"[2024/08/07 09:44:59.054 +00:00] [WARN] [util.rs:343] ["try reconnect pd"] [takes=1234]"#)
        #expect(reconnect.kind == "pd-reconnecting")
        #expect(reconnect.fields["duration_ms"] == "1234")
        // Any other WARN carrying `takes` is a generic slow operation.
        let slow = try event(
            #"[2024/08/07 09:44:59.054 +00:00] [WARN] [apply.rs:520] ["[region 48] 49 handle ready 3 committed entries"] [takes=1532]"#
        )
        #expect(slow.kind == "slow-operation")
        #expect(slow.fields["duration_ms"] == "1532")
        // At INFO, `takes` is just a field of an uninteresting line.
        #expect(
            parser.parse(line: #"[2024/08/07 09:44:59.054 +00:00] [INFO] [apply.rs:520] ["flushed"] [takes=1532]"#[...])
                == .ignored)
    }

    @Test func coprocessorSlowQueryHasARawMessage() throws {
        // "slow-query" needs no quoting, so the message is written raw (§3.1 rule, §3.4 message).
        let e = try event(
            #"[2024/08/07 09:44:59.054 +00:00] [INFO] [tracker.rs:264] [slow-query] [scan.total=50000] [table_id=68] [txn_start_ts=451207842537439233] [total_lifetime=1.02s] [remote_host=ipv4:10.0.1.5:52312] [region_id=124]"#
        )
        #expect(e.kind == "slow-query")
        #expect(e.fields["duration_ms"] == "1020")
        #expect(e.fields["txn_start_ts"] == "451207842537439233")
        #expect(e.fields["region_id"] == "124")
    }

    @Test func pdStoreTransitionNamesTheStore() throws {
        let e = try event(
            #"[2024/08/07 10:00:00.000 +08:00] [WARN] [cluster.go:1633] ["store has been offline"] [store-id=4] [store-address=tikv4:20160] [region-count=120]"#
        )
        #expect(e.kind == "store-offline")
        #expect(e.entity == Entity(kind: "store", id: "4"))
        #expect(e.fields["store_id"] == "4")
        #expect(e.fields["store-address"] == "tikv4:20160")
    }

    @Test(arguments: [
        ("store heartbeat failed", "store-heartbeat-failed"),
        ("failed to send heartbeat", "region-heartbeat-failed"),
        ("connect failed", "pd-connect-failed"),
        ("reconnect failed", "pd-reconnect-failed"),
        ("connected to PD member", "pd-connected"),
        ("update pd client", "pd-client-updated"),
        ("start to campaign PD leader", "pd-leader-campaign"),
        ("PD leader is ready to serve", "pd-leader-ready"),
        ("start sending snapshot", "snapshot-send-started"),
        ("failed to send snap", "snapshot-send-failed"),
        ("saving snapshot file", "snapshot-file-saved"),
        ("begin to apply snapshot", "snapshot-apply-started"),
        ("apply snapshot with state ok", "snapshot-applied"),
        ("scan snapshot", "snapshot-scanned"),
        ("transfer leader", "leader-transfer"),
        ("leader missing longer than abnormal_leader_missing_duration", "leader-missing"),
    ])
    func catalogueMessages(message: String, kind: String) throws {
        let e = try event(#"[2024/08/07 09:44:59.054 +00:00] [WARN] [x.rs:1] ["\#(message)"] [err="boom"]"#)
        #expect(e.kind == kind)
    }

    @Test func everyKindIsDocumented() throws {
        let readme = try String(contentsOf: Self.readmeURL, encoding: .utf8)
        for kind in TiKVLogParser.eventKinds {
            #expect(readme.contains("`\(kind)`"), "README does not document \(kind)")
        }
    }

    static var readmeURL: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/SubjectTiKV/Logs/README.md")
    }

    // MARK: - Quoting (§3.1)

    @Test func escapedQuotesAndBracketsInsideAValue() throws {
        let e = try event(
            #"[2024/08/07 09:44:59.054 +00:00] [WARN] [util.rs:328] ["reconnect failed"] [err="Other(\"[components/pd_client/src/util.rs:367]: invalid store ID 0, not found\")"]"#
        )
        #expect(e.fields["err"] == #"Other("[components/pd_client/src/util.rs:367]: invalid store ID 0, not found")"#)
    }

    @Test func equalsSignAndQuotedKey() throws {
        let e = try event(
            #"[2024/08/07 09:44:59.054 +00:00] [INFO] [peer.rs:4512] ["transfer leader"] ["msg type"=MsgTransferLeader] [peer="id: 52 store_id: 2"] [region="a=b [c]"] [peer_id=49] [region_id=48]"#
        )
        #expect(e.fields["msg type"] == "MsgTransferLeader")
        #expect(e.fields["peer"] == "id: 52 store_id: 2")
        #expect(e.fields["region"] == "a=b [c]")
    }

    @Test func unicodeRawAndEscaped() throws {
        let e = try event(
            #"[2024/08/07 09:44:59.054 +00:00] [WARN] [x.rs:1] ["store heartbeat failed"] [name=数据✓] [err="caf\u00e9 \ud83d\ude00 ✓"]"#
        )
        #expect(e.fields["name"] == "数据✓")
        #expect(e.fields["err"] == "café 😀 ✓")
    }

    @Test func controlCharactersInTheMessage() throws {
        let e = try event(#"[2024/08/07 09:44:59.054 +00:00] [WARN] [x.rs:1] ["store heartbeat failed"] [err="a\nb\tc\u0001d\\e\/f"]"#)
        #expect(e.fields["err"] == "a\nb\tc\u{1}d\\e/f")
    }

    @Test func writerAndParserAgreeOnEveryQuotingCase() throws {
        // The generator's writer quotes exactly what `need_json_encode` quotes; every awkward value
        // must come back unchanged.
        let values = [
            "plain", "with space", "quote\"inside", "back\\slash", "a=b", "[bracketed]", "new\nline", "tab\t",
            "nul\u{0}byte", "bell\u{7}", "δ unicode ✓", "emoji 😀", "", " ", "\u{1F}",
            "quote then combining accent \"\u{301} and backslash \\\u{301}", "e\u{301}=\n\u{301}",
        ]
        for value in values {
            let record = TiKVLogRecordWriter.Record(
                level: "WARN", source: "x.rs:1", message: "store heartbeat failed", fields: [(value.isEmpty ? "k" : value, value)])
            var line = ""
            TiKVLogRecordWriter.unified(record, time: "2024/08/07 09:44:59.054 +00:00", into: &line)
            let e = try event(line)
            #expect(e.fields[value.isEmpty ? "k" : value] == value, "round trip of \(value.debugDescription) via \(line)")
        }
    }

    @Test func unknownSourceIsNoSource() throws {
        let e = try event(#"[2024/08/07 09:44:59.054 +00:00] [WARN] [<unknown>] ["connect failed"] [endpoints=http://pd1:2379]"#)
        #expect(e.source == nil)
        #expect(e.fields["endpoints"] == "http://pd1:2379")
    }

    @Test func uninterestingButWellFormedLinesAreIgnored() {
        for line in [
            #"[2024/08/07 09:44:59.054 +00:00] [INFO] [raft.rs:2646] ["switched to configuration"] [config="Configuration { voters: {1, 2} }"] [raft_id=49] [region_id=48]"#,
            #"[2024/08/07 09:44:59.054 +00:00] [INFO] [<unknown>] ["subchannel 0x7f {address=ipv4:10.0.1.3:2379}: connect failed: {\"created\":\"@1\"}"]"#,
            #"[2024/08/07 09:44:59.054 +00:00] [INFO] [lib.rs:89] [Welcome]"#,
            #"[2024/08/07 09:44:59.054 +00:00] [DEBUG] [raft.rs:1612] ["ignore message"] ["msg type"=MsgHeartbeat]   "#,
        ] {
            #expect(parser.parse(line: line[...]) == .ignored, "\(line)")
        }
    }

    // MARK: - JSON variant (§3.1)

    @Test func jsonVariantGivesTheSameEventAsTheTextFormat() throws {
        let text = try event(
            #"[2024/08/07 09:44:59.054 +00:00] [INFO] [raft.rs:1228] ["became leader at term 6"] [term=6] [raft_id=49] [region_id=48]"#
        )
        let json = try event(
            #"{"time":"2024/08/07 09:44:59.054 +00:00","level":"INFO","caller":"raft.rs:1228","message":"became leader at term 6","term":6,"raft_id":49,"region_id":48}"#
        )
        #expect(json == text)
    }

    @Test func jsonVariantKeepsLargeIntegersExactAndBooleans() throws {
        let e = try event(
            #"{"time":"2024/08/07 09:44:59.054 +08:00","level":"INFO","caller":"tracker.rs:264","message":"slow-query","txn_start_ts":451207842537439233,"is_partial":false,"total_lifetime":"1.5s","region_id":7}"#
        )
        #expect(e.kind == "slow-query")
        #expect(e.fields["txn_start_ts"] == "451207842537439233")
        #expect(e.fields["is_partial"] == "false")
        #expect(e.fields["duration_ms"] == "1500")
        #expect(Timestamp.format(try #require(e.time)) == "2024-08-07T01:44:59.054Z")
    }

    @Test func jsonVariantErrorsNameTheMissingKey() {
        #expect(reason(#"{"time":"2024/08/07 09:44:59.054 +00:00","level":"INFO"}"#).contains("\"message\""))
        #expect(reason(#"{"level":"INFO","message":"x"}"#).contains("\"time\""))
        #expect(reason(#"{"time":"yesterday","level":"INFO","message":"x"}"#).contains("\"yesterday\""))
        #expect(reason(#"{"time":"2024/08/07 09:44:59.054 +00:00","level":"LOUD","message":"x"}"#).contains("\"level\""))
        #expect(reason(#"{"time":"2024/08/07 09:44:59.0"#).contains("not valid JSON"))
        #expect(reason(#"{}garbage"#).contains("not valid JSON"))
        // Nesting is bounded by the JSON parser, not by the stack.
        #expect(reason("{\"a\":" + String(repeating: "[", count: 200_000)).contains("nested"))
    }

    // MARK: - Garbage

    @Test func emptyAndBlankLines() {
        #expect(reason("") == "empty line")
        #expect(reason("   \t") == "empty line")
    }

    @Test func binaryData() {
        let r = reason("\u{0}\u{1}\u{7F}ELF\u{2}\u{1}")
        #expect(r.contains("expected '['"))
        #expect(r.contains("binary"))
        let notUTF8 = String(decoding: [0xFF, 0xFE, 0x5B, 0x41] as [UInt8], as: UTF8.self)
        #expect(reason(notUTF8).contains("not UTF-8"))
    }

    @Test func truncatedLines() {
        #expect(reason(#"[2024/08/07 09:44:59.054 +00:00] [INFO] [raft.rs:1228] ["became leader at te"#).contains("truncated"))
        #expect(
            reason(#"[2024/08/07 09:44:59.054 +00:00] [INFO] [raft.rs:1228] ["became leader at term 6"] [term=6] [raft_id=4"#)
                .contains("field 2"))
        #expect(reason("[2024/08/07 09:44").contains("truncated"))
        #expect(reason(#"[2024/08/07 09:44:59.054 +00:00] [INFO] [raft.rs:12"#).contains("source"))
    }

    @Test func malformedPartsAreNamed() {
        #expect(reason(#"[2024-08-07T09:44:59Z] [INFO] [a.rs:1] [x]"#).contains("timestamp \"2024-08-07T09:44:59Z\""))
        #expect(reason(#"[2024/13/07 09:44:59.054 +00:00] [INFO] [a.rs:1] [x]"#).contains("timestamp"))
        #expect(reason(#"[2024/08/07 09:44:59.054 +00:00] [NOTICE] [a.rs:1] [x]"#).contains("unknown level \"NOTICE\""))
        #expect(reason(#"[2024/08/07 09:44:59.054 +00:00] [INFO] [a.rs:1] [x] junk"#).contains("field 1"))
        #expect(reason(#"[2024/08/07 09:44:59.054 +00:00] [INFO] [a.rs:1] [x] [novalue]"#).contains("'='"))
        #expect(reason(#"[2024/08/07 09:44:59.054 +00:00] [INFO] [a.rs:1] ["bad \q escape"]"#).contains("escape"))
        #expect(reason(#"[2024/08/07 09:44:59.054 +00:00] [INFO] [a.rs:1] ["lone \ud800 surrogate"]"#).contains("escape"))
        #expect(reason(#"[2024/08/07 09:44:59.054 +00:00] [INFO] [a.rs:1] ["x"junk]"#).contains("']'"))
        #expect(reason("thread 'raftstore-1-0' panicked at 'called `Option::unwrap()` on a `None` value'").contains("'['"))
    }

    @Test func megabyteLines() throws {
        let garbage = String(repeating: "x", count: 1_000_000)
        #expect(reason(garbage).contains("expected '['"))
        let open = "[2024/08/07 09:44:59.054 +00:00] [INFO] [a.rs:1] [\"" + String(repeating: "a", count: 1_000_000)
        #expect(reason(open).contains("truncated"))
        let backslashes = "[2024/08/07 09:44:59.054 +00:00] [INFO] [a.rs:1] [\"" + String(repeating: "\\", count: 1_000_001)
        #expect(reason(backslashes).contains("truncated"))
        // A well-formed line of a megabyte still parses.
        let big = String(repeating: "long error ", count: 100_000)
        let e = try event(#"[2024/08/07 09:44:59.054 +00:00] [WARN] [pd.rs:1288] ["store heartbeat failed"] [err="\#(big)"]"#)
        #expect(e.fields["err"]?.utf8.count == big.utf8.count)
    }
}
