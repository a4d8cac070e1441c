import Foundation
import OperatorCore
import Testing

@testable import SubjectTiKV

/// The generator writes what the parser must find: per-kind counts must match exactly, in both formats,
/// and garbage lines must come back unparseable.
@Suite struct TiKVLogGeneratorTests {
    func tally(_ lines: [String]) -> (kinds: [String: Int], ignored: Int, unparseable: Int, reasons: Set<String>) {
        let parser = TiKVLogParser()
        var kinds: [String: Int] = [:]
        var ignored = 0, unparseable = 0
        var reasons: Set<String> = []
        for line in lines {
            switch parser.parse(line: line[...]) {
            case .event(let e): kinds[e.kind, default: 0] += 1
            case .ignored: ignored += 1
            case .unparseable(let reason):
                unparseable += 1
                reasons.insert(reason)
            }
        }
        return (kinds, ignored, unparseable, reasons)
    }

    @Test(arguments: TiKVLogGenerator.Format.allCases)
    func parserFindsExactlyWhatTheGeneratorWrote(format: TiKVLogGenerator.Format) {
        var generator = TiKVLogGenerator(options: .init(seed: 7, format: format, eventShare: 0.3, garbageEvery: 97))
        let lines = (0..<20_000).map { _ in generator.nextLine() }
        let result = tally(lines)
        #expect(result.kinds == generator.expectedEventsByKind)
        #expect(result.ignored == generator.noiseWritten)
        #expect(result.unparseable == generator.garbageWritten)
        #expect(generator.garbageWritten == 20_000 / 97)
        // The mix covers the catalogue's families.
        for kind in ["became-leader", "snapshot-sent", "slow-query", "slow-operation", "store-heartbeat-failed",
            "pd-reconnecting", "store-offline", "snapshot-restored",
        ] {
            #expect((result.kinds[kind] ?? 0) > 0, "no \(kind) among 20000 lines")
        }
    }

    @Test func generatedEventsCarryTheirIdsAndDurations() {
        var generator = TiKVLogGenerator(options: .init(seed: 3, eventShare: 1))
        let parser = TiKVLogParser()
        var checked = 0
        for _ in 0..<2_000 {
            guard case .event(let e) = parser.parse(line: generator.nextLine()[...]) else { continue }
            switch e.kind {
            case "became-leader", "became-follower", "election-started":
                #expect(e.fields["region_id"] != nil && e.fields["term"] != nil && e.fields["peer_id"] != nil)
            case "snapshot-sent", "slow-query", "slow-operation", "pd-reconnecting":
                #expect(e.fields["duration_ms"].flatMap(Double.init) != nil, "\(e)")
            case "store-offline":
                #expect(e.entity?.kind == "store")
            default: continue
            }
            checked += 1
        }
        #expect(checked > 500)
    }

    @Test func sameSeedSameText() {
        var a = TiKVLogGenerator(options: .init(seed: 11))
        var b = TiKVLogGenerator(options: .init(seed: 11))
        var c = TiKVLogGenerator(options: .init(seed: 12))
        let la = (0..<500).map { _ in a.nextLine() }
        #expect(la == (0..<500).map { _ in b.nextLine() })
        #expect(la != (0..<500).map { _ in c.nextLine() })
    }

    @Test func timestampsAdvanceInTheConfiguredOffset() throws {
        var generator = TiKVLogGenerator(
            options: .init(start: Date(timeIntervalSince1970: 1_723_024_800), meanIntervalMilliseconds: 5, utcOffsetMinutes: 480))
        let first = generator.nextLine()
        #expect(first.hasPrefix("[2024/08/07 18:00:00."))
        #expect(first.contains(" +08:00] "))
        var previous = Date.distantPast
        for _ in 0..<1000 {
            let line = generator.nextLine()
            let close = try #require(line.firstIndex(of: "]"))
            let time = try #require(TiKVLogTime.parse(String(line[line.index(after: line.startIndex)..<close])))
            #expect(time >= previous)
            previous = time
        }
    }

    @Test func writesAFileOfAtLeastTheRequestedSizeThatParsesCompletely() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tikvgen-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("tikv.log").path
        var generator = TiKVLogGenerator(options: .init(seed: 5, garbageEvery: 1000))
        let summary = try generator.write(toPath: path, minimumBytes: 3_000_000)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber).intValue
        #expect(summary.bytes == size)
        #expect(size >= 3_000_000 && size < 3_000_000 + 4096)
        let throughput = try TiKVLogBenchmark.parseFile(atPath: path)
        #expect(throughput.bytes == size)
        #expect(throughput.lines == summary.lines)
        #expect(throughput.events == summary.events)
        #expect(throughput.ignored == summary.noise)
        #expect(throughput.unparseable == summary.garbage)
        #expect(throughput.elapsedSeconds > 0)
    }

    @Test func writingIntoAMissingDirectoryFailsWithThePath() {
        var generator = TiKVLogGenerator()
        let path = "/nonexistent-\(UUID().uuidString)/tikv.log"
        #expect {
            try generator.write(toPath: path, minimumBytes: 10)
        } throws: { error in
            String(describing: error).contains(path)
        }
    }
}
