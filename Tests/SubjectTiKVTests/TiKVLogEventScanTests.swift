import Foundation
import OperatorCore
import OperatorTestSupport
import Testing

@testable import SubjectTiKV

/// The fast scan (`scan(lineBytes:)`, what `operator bench logs` runs) against the full parse
/// (`parse(lineBytes:)`, what `operator logs parse` runs), line by line over generated logs and copies of
/// them with bytes corrupted: the same events with the same fields on the same lines, unparseable lines
/// only where the full parse finds them, and the events themselves as the parser found them before the
/// scan existed (a digest stored from that code).
@Suite struct TiKVLogEventScanTests {
    let parser = TiKVLogParser()

    /// What the comparison of one file saw.
    struct Comparison {
        var lines = 0
        var events = 0
        var unparseable = 0
        /// Lines the full parse calls unparseable and the scan ignores (time or fields never decoded).
        var ignoredButUnparseable = 0
        var mismatches: [String] = []
        /// Events the summary scan reported, and how many of them name a store or carry a duration (so a
        /// summary that dropped those values could not pass by matching an empty one).
        var summaries = 0
        var summariesOnStores = 0
        var summariesWithDuration = 0
        /// FNV-1a over every event of the full parse (line number, time bits, sorted-key JSON).
        var digest: UInt64 = 0xCBF2_9CE4_8422_2325

        mutating func mix(_ bytes: some Sequence<UInt8>) {
            for byte in bytes {
                digest ^= UInt64(byte)
                digest = digest &* 0x0000_0100_0000_01B3
            }
        }
    }

    func compare(path: String, wanted: Set<TiKVLogEventKind>? = nil) throws -> Comparison {
        var comparison = Comparison()
        let reader = try LineReader(path: path, maximumLineBytes: 64 * 1024)
        let encoder = JSONEncoder.operatorEncoder
        while try reader.withNextLine({ (line) -> Void in
            comparison.lines += 1
            let full = parser.parse(lineBytes: line.bytes)
            let fast = parser.scan(lineBytes: line.bytes, wanted: wanted)
            // The summary scan (what `operator bench logs` runs) says what the scan says, event by event.
            let summary = parser.summarize(lineBytes: line.bytes, wanted: wanted)
            if summary != TiKVLogScanResult(fast) {
                comparison.mismatches.append("line \(line.number): summary \(summary), scan \(fast)")
            }
            if case .event(let s) = summary {
                comparison.summaries += 1
                if s.entity != nil { comparison.summariesOnStores += 1 }
                if s.durationMilliseconds != nil { comparison.summariesWithDuration += 1 }
            }
            switch full {
            case .event(let event):
                comparison.events += 1
                comparison.mix("\(line.number)|\(event.time?.timeIntervalSince1970.bitPattern ?? 0)|".utf8)
                comparison.mix((try? encoder.encode(event)) ?? Data("unencodable".utf8))
                let isWanted = wanted.map { $0.contains { $0.rawValue == event.kind } } ?? true
                let expected: LogLineResult = isWanted ? full : .ignored
                if fast != expected { comparison.mismatches.append("line \(line.number): scan \(fast), parse \(full)") }
            case .unparseable:
                comparison.unparseable += 1
                if fast == .ignored {
                    comparison.ignoredButUnparseable += 1
                } else if fast != full {
                    comparison.mismatches.append("line \(line.number): scan \(fast), parse \(full)")
                }
            case .ignored:
                if fast != .ignored { comparison.mismatches.append("line \(line.number): scan \(fast), parse ignored") }
            }
        }) != nil {}
        return comparison
    }

    /// A generated unified-format log with garbage lines, about 3 MB.
    static func writeGeneratedLog(to path: String, format: TiKVLogGenerator.Format = .unified, bytes: Int = 3_000_000)
        throws -> TiKVLogGenerator.Summary
    {
        var generator = TiKVLogGenerator(options: .init(seed: 16, format: format, eventShare: 0.3, garbageEvery: 53))
        return try generator.write(toPath: path, minimumBytes: bytes)
    }

    /// A copy with about one byte in 200 replaced by a structural or non-UTF-8 byte, or removed.
    static func writeCorruptedCopy(of source: String, to path: String, seed: UInt64) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        var random = SeededRandom(seed: seed)
        let replacements: [UInt8] = [0x00, 0x09, 0x20, 0x22, 0x5C, 0x5B, 0x5D, 0x3D, 0x0A, 0x80, 0xC3, 0xE2, 0xFF, 0x75]
        var position = 0
        while position < bytes.count {
            if random.chance(0.1) {
                bytes.remove(at: position)
            } else {
                bytes[position] = random.pick(replacements)
            }
            position += Int.random(in: 1..<400, using: &random)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func theScanFindsExactlyTheFullParsesEventsInAGeneratedLog() throws {
        let directory = try TemporaryDirectory(prefix: "tikv-scan")
        defer { directory.remove() }
        let path = directory.file("tikv.log")
        let summary = try Self.writeGeneratedLog(to: path)
        let comparison = try compare(path: path)
        #expect(comparison.mismatches.isEmpty, "\(comparison.mismatches.prefix(5))")
        #expect(comparison.lines == summary.lines)
        // The generator's own count, not either parser's.
        #expect(comparison.events == summary.events)
        #expect(comparison.unparseable == summary.garbage)
        #expect(comparison.ignoredButUnparseable == 0)
        #expect(comparison.summaries == summary.events)
        #expect(comparison.summariesOnStores > 100 && comparison.summariesWithDuration > 100)
        // The events as `parse(lineBytes:)` built them before the scan and its speed-ups (c0d2ca5).
        #expect(comparison.events == Self.generatedEvents)
        #expect(comparison.digest == Self.generatedDigest, "digest \(String(comparison.digest, radix: 16))")
    }

    @Test func theScanFindsExactlyTheFullParsesEventsInACorruptedLog() throws {
        let directory = try TemporaryDirectory(prefix: "tikv-scan")
        defer { directory.remove() }
        let clean = directory.file("clean.log"), corrupted = directory.file("corrupted.log")
        _ = try Self.writeGeneratedLog(to: clean)
        try Self.writeCorruptedCopy(of: clean, to: corrupted, seed: 1616)
        let comparison = try compare(path: corrupted)
        #expect(comparison.mismatches.isEmpty, "\(comparison.mismatches.prefix(5))")
        // The corruption reached all outcomes: events survive, lines break, and some broken lines are
        // ones the scan does not decode.
        #expect(comparison.events > 500 && comparison.unparseable > 500)
        #expect(comparison.ignoredButUnparseable > 0)
        #expect(comparison.events == Self.corruptedEvents)
        #expect(comparison.digest == Self.corruptedDigest, "digest \(String(comparison.digest, radix: 16))")
    }

    @Test func theJSONVariantIsDecodedInFull() throws {
        let directory = try TemporaryDirectory(prefix: "tikv-scan")
        defer { directory.remove() }
        let path = directory.file("tikv.json.log")
        let summary = try Self.writeGeneratedLog(to: path, format: .json, bytes: 600_000)
        let comparison = try compare(path: path)
        #expect(comparison.mismatches.isEmpty, "\(comparison.mismatches.prefix(5))")
        #expect(comparison.events == summary.events && comparison.events > 500)
        #expect(comparison.ignoredButUnparseable == 0)
    }

    @Test func onlyWantedKindsAreReported() throws {
        let directory = try TemporaryDirectory(prefix: "tikv-scan")
        defer { directory.remove() }
        let path = directory.file("tikv.log")
        _ = try Self.writeGeneratedLog(to: path, bytes: 1_000_000)
        let wanted: Set<TiKVLogEventKind> = [.becameLeader, .slowOperation, .snapshotRestored]
        let comparison = try compare(path: path, wanted: wanted)
        #expect(comparison.mismatches.isEmpty, "\(comparison.mismatches.prefix(5))")
        let scanned = try TiKVLogBenchmark.scanFile(atPath: path, wanted: wanted)
        let all = try TiKVLogBenchmark.scanFile(atPath: path)
        #expect(scanned.events > 0 && scanned.events < all.events)
        #expect(all.events == comparison.events)
    }

    @Test(arguments: [
        // Raw bytes decide without decoding: ignored, an event kind, or "only the full parse can say".
        (#"[2024/08/07 09:44:59.054 +00:00] [INFO] [peer.rs:1] ["on split"] [region_id=4]"#, Decision.notAnEvent),
        (#"[2024/08/07 09:44:59.054 +00:00] [INFO] [raft.rs:1] ["became leader at term 6"] [term=6]"#,
         .candidate(.becameLeader)),
        (#"[2024/08/07 09:44:59.054 +00:00] [WARN] [x.rs:1] ["handle ready"] [takes=1500]"#, .candidate(.slowOperation)),
        (#"[2024/08/07 09:44:59.054 +00:00] [WARN] [x.rs:1] ["handle ready"] ["takes"=1500]"#, .candidate(.slowOperation)),
        // `takes` makes a slow log only at WARN (the full parse: ignored).
        (#"[2024/08/07 09:44:59.054 +00:00] [INFO] [x.rs:1] ["handle ready"] [takes=1500]"#, .notAnEvent),
        // An escaped message is matched on its decoded text.
        (#"[2024/08/07 09:44:59.054 +00:00] [INFO] [x.rs:1] ["sent \u0073napshot"] [region_id=4]"#, .candidate(.snapshotSent)),
        // A bad escape is found when the message could be an event, and otherwise not looked for.
        (#"[2024/08/07 09:44:59.054 +00:00] [INFO] [x.rs:1] ["became leader at term \x"] [region_id=4]"#, .decode),
        (#"[2024/08/07 09:44:59.054 +00:00] [INFO] [x.rs:1] ["sent \x"] [region_id=4]"#, .notAnEvent),
        // A WARN line with `takes` is a slow log if the rest parses: a bad escape in its message is not.
        (#"[2024/08/07 09:44:59.054 +00:00] [WARN] [x.rs:1] ["r\gion 2198 handle ready"] [takes=2254]"#, .decode),
        (#"[2024/08/07 09:44:59.054 +00:00] [INFO] [x.rs:1] ["peer \"7\" is \\ restored snapshot"]"#,
         .candidate(.snapshotRestored)),
        // A bad time is not looked at when the message is not in the catalogue...
        (#"[yesterday] [INFO] [x.rs:1] ["on split"]"#, .notAnEvent),
        // ...but a line of another shape is always decoded, so its reason is reported.
        (#"[2024/08/07 09:44:59.054 +00:00] [NOTICE] [x.rs:1] ["on split"]"#, .decode),
        (#"[2024/08/07 09:44:59.054 +00:00] [INFO] [x.rs:1] ["on split"#, .decode),
        (#"{"time":"2024/08/07 09:44:59.054 +08:00","level":"INFO","message":"slow-query"}"#, .decode),
        ("thread 'raftstore-1-0' panicked at 'called `Option::unwrap()`'", .decode),
        ("", .decode),
    ])
    func thePrefilterDecidesOnBytes(line: String, expected: Decision) {
        var text = line
        let decision: Decision = text.withUTF8 {
            var start: TiKVLogParser.UnifiedLineStart?
            switch TiKVLogParser.prefilter($0, start: &start) {
            case .notAnEvent: return start == nil ? .notAnEvent : .decode
            case .candidate: return start.map { .candidate($0.kind) } ?? .decode
            case .decode: return start == nil ? .decode : .notAnEvent
            }
        }
        #expect(decision == expected)
    }

    @Test(arguments: [
        // The first of a repeated key wins; PD's dashed ids fill in; a numeric store id names the entity.
        #"[2024/08/07 09:44:59.054 +00:00] [INFO] [raft.rs:1] ["became leader at term 6"] [store_id=3] [store_id=9] [region-id=48]"#,
        // A duration field wins over the line's own `duration_ms`, which stays when none reads as one.
        #"[2024/08/07 09:44:59.054 +00:00] [WARN] [x.rs:1] ["handle ready"] [duration_ms=7] [takes=1500]"#,
        #"[2024/08/07 09:44:59.054 +00:00] [WARN] [x.rs:1] ["handle ready"] [duration_ms=7] [takes=soon]"#,
        // A bad escape in a field no summary reads still makes the line unparseable, as in the full parse.
        #"[2024/08/07 09:44:59.054 +00:00] [INFO] [raft.rs:1] ["became leader at term 6"] [err="a\qb"]"#,
        #"[2024/08/07 09:44:59.054 +00:00] [INFO] [raft.rs:1] ["became leader at term 6"] [store_id="4\q"]"#,
        // ...but not a WARN line without `takes`, which is ignored before escapes are looked at.
        #"[2024/08/07 09:44:59.054 +00:00] [WARN] [x.rs:1] ["on split"] [err="takes a\qb"]"#,
        // An escaped key is decided by the full parse (it may decode to a key a summary reads).
        #"[2024/08/07 09:44:59.054 +00:00] [INFO] [raft.rs:1] ["became leader at term 6"] ["store\u005fid"=5]"#,
        #"[2024/08/07 09:44:59.054 +00:00] [WARN] [x.rs:1] ["handle ready"] ["t\u0061kes"=1500]"#,
        // Quoted values, a non-numeric store id, a syntax error after a bad escape, a bad time.
        #"[2024/08/07 09:44:59.054 +00:00] [INFO] [raft.rs:1] ["became leader at term 6"] [store_id="x y"] [raft_id="7"]"#,
        #"[2024/08/07 09:44:59.054 +00:00] [INFO] [raft.rs:1] ["became leader at term 6"] [err="\q"] [oops"#,
        #"[2024/13/07 09:44:59.054 +00:00] [INFO] [raft.rs:1] ["became leader at term 6"] [store_id=1]"#,
        #"[2024/08/07 09:44:59.054 +00:00] [INFO] [raft.rs:1] ["[region 2] 5 became leader at term 7"] [store_id=1]"#,
    ])
    func aSummaryIsTheFullParsesEventInShort(line: String) {
        var text = line
        let (summary, full) = text.withUTF8 { (parser.summarize(lineBytes: $0), parser.parse(lineBytes: $0)) }
        #expect(summary == TiKVLogScanResult(full), "\(full)")
    }

    @Test func aSummaryCarriesTheIdsAndDurationOfItsEvent() throws {
        var text = #"[2024/08/07 09:44:59.054 +00:00] [WARN] [x.rs:1] ["handle ready"] [region_id=48] [store_id=3] [raft_id=49] [takes=1500]"#
        let summary = text.withUTF8 { parser.summarize(lineBytes: $0) }
        guard case .event(let s) = summary else {
            Issue.record("not an event: \(summary)")
            return
        }
        #expect(s.kind == "slow-operation" && s.level == "warn")
        #expect(s.entity == Entity(kind: "store", id: "3"))
        #expect(s.regionID == "48" && s.storeID == "3" && s.peerID == "49")
        #expect(s.durationMilliseconds == "1500")
        #expect(abs((s.time?.timeIntervalSince1970 ?? 0) - 1_723_023_899.054) < 0.0005)
    }

    @Test func noCataloguePatternHoldsWhatAnEscapeOtherThanUnicodeDecodesTo() {
        // What lets the scan skip decoding an escaped message that has no `\u`: `\"`, `\\`, `\/`, `\n`…
        // decode to these bytes, which no pattern or message contains.
        let texts = TiKVLogCatalogue.fixedStringPatterns + Array(TiKVLogCatalogue.exactMessages.keys)
            + TiKVLogCatalogue.prefixMessages.map(\.0)
        #expect(texts.count > 50)
        for text in texts {
            #expect(!text.utf8.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x2F }, "\(text)")
        }
    }

    /// What the prefilter decided, without the parts it keeps for the parse.
    enum Decision: Equatable, Sendable {
        case notAnEvent
        case candidate(TiKVLogEventKind)
        case decode
    }

    // Computed by the parser of commit c0d2ca5 (before the scan and the speed-ups to building events), on
    // the files these tests write: the same digest loop over `parse(lineBytes:)` built with that commit's
    // sources.
    static let generatedEvents = 4_697
    static let generatedDigest: UInt64 = 0x1779_A359_10F1_F656
    static let corruptedEvents = 2_842
    static let corruptedDigest: UInt64 = 0x2771_356E_B927_2128
}
