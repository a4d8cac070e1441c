import Foundation
import Testing
@testable import TiKVSimulator

/// The stores' and PD members' log files: TiKV's unified format (tikv-interfaces.md §3.1) with the
/// messages the faults would produce (§3.2–§3.5).
@Suite("TiKV-format logs")
struct LogLineTests {
    /// The parsing regex of the reference sheet, §3.1.
    static let linePattern = #"^\[(?<ts>[^\]]+)\] \[(?<level>[A-Z]+)\] \[(?<src>[^\]]*)\] \[(?<msg>(?:"(?:[^"\\]|\\.)*"|[^\]]*))\](?<kvs>.*)$"#
    static let timestampPattern = #"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d\d:\d\d$"#

    func lines(_ directory: String, _ file: String) throws -> [String] {
        let text = try String(contentsOfFile: (directory as NSString).appendingPathComponent(file), encoding: .utf8)
        return text.split(separator: "\n").map(String.init)
    }

    /// Slow-log lines: a `takes=<ms>` field.
    static func slowLogLines(_ lines: [String]) -> [String] {
        lines.filter { $0.range(of: " [takes=") != nil }
    }

    @Test("Formatting: quoting only when needed, fields in the given order, timestamp with millis and offset")
    func format() {
        let time = SimInstant(nanoseconds: 1_723_023_899_054_000_000)
        let line = TiKVLogFormat.line(at: time, level: .info, source: "raft.rs:1228", message: "became leader at term 6",
                                      fields: [("term", "6"), ("raft_id", "49"), ("region_id", "48")])
        #expect(line == #"[2024/08/07 09:44:59.054 +00:00] [INFO] [raft.rs:1228] ["became leader at term 6"] [term=6] [raft_id=49] [region_id=48]"#)
        #expect(TiKVLogFormat.line(at: time, level: .info, source: "raft.rs:1", message: "newRaft") .hasSuffix("[newRaft]"))
        let quoted = TiKVLogFormat.line(at: time, level: .warn, source: "pd.rs:1", message: "x", fields: [("msg type", "MsgHeartbeat"), ("err", "a \"b\"")])
        #expect(quoted.hasSuffix(#"[x] ["msg type"=MsgHeartbeat] [err="a \"b\""]"#))
    }

    @Test("store-down and its lift, and a PD leader change, write the lines a real cluster writes")
    func faultLogs() async throws {
        let directory = NSTemporaryDirectory() + "tikv-sim-logs-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = TiKVSimulatorConfiguration()
        configuration.logDirectory = directory
        try await withSimulator(configuration) { simulator, _ in
            try await simulator.inject(.storeDown, entity: "store:2")
            try await simulator.advanceClock(bySeconds: 11)
            await simulator.flushLogs()
            let survivor = try lines(directory, "tikv-3.log")
            #expect(survivor.contains { $0.contains(#"["connected to PD member"]"#) })
            let elections = survivor.filter { $0.contains(#"["became leader at term 7"]"#) }
            #expect(!elections.isEmpty, "leaders move to the survivor after the election timeout")
            #expect(survivor.contains { $0.contains(#"["starting a new election"]"#) })
            for line in elections {
                #expect(line.range(of: #"\[term=7\] \[raft_id=\d+\] \[region_id=\d+\]$"#, options: .regularExpression) != nil, "\(line)")
            }

            try await simulator.advanceClock(bySeconds: 120)
            try await simulator.lift(.storeDown, entity: "store:2")
            try await simulator.advanceClock(bySeconds: 20)
            try await simulator.inject(.pdLeaderDown, entity: "cluster")
            try await simulator.advanceClock(bySeconds: 10)
            try await simulator.inject(.slowDisk, entity: "store:1")
            try await simulator.advanceClock(bySeconds: 35)
            await simulator.flushLogs()

            let restarted = try lines(directory, "tikv-2.log")
            #expect(restarted.contains { $0.contains(#"["connecting to PD endpoint"]"#) })
            #expect(restarted.contains { $0.contains(#"["begin to apply snapshot"]"#) })
            #expect(restarted.contains { $0.contains(#"["apply snapshot with state ok"]"#) })
            #expect(restarted.contains { $0.contains(#"["store heartbeat failed"] [err="#) })
            #expect(restarted.contains { $0.contains(#"["update pd client"]"#) && $0.contains("[leader=http://127.0.0.1:") })
            let leaderSide = try lines(directory, "tikv-1.log") + lines(directory, "tikv-3.log")
            #expect(leaderSide.contains { $0.contains(#"["sent snapshot"]"#) && $0.contains("[snap_key=") })
            #expect(leaderSide.contains { $0.contains(#"["transfer leader"]"#) })
            let slow = Self.slowLogLines(try lines(directory, "tikv-1.log"))
            #expect(!slow.isEmpty && slow.allSatisfy { $0.contains("[WARN]") })
            let pd = try lines(directory, "pd-pd2.log")
            #expect(pd.contains { $0.contains(#"["PD leader is ready to serve"]"#) })

            let pattern = try Regex(Self.linePattern)
            let timestamp = try Regex(Self.timestampPattern)
            for file in ["tikv-1.log", "tikv-2.log", "tikv-3.log", "pd-pd2.log", "pd-pd3.log"] {
                for line in try lines(directory, file) {
                    let match = try #require(try pattern.wholeMatch(in: line), "\(file): \(line)")
                    let ts = try #require(match.output["ts"]?.substring)
                    #expect(try timestamp.wholeMatch(in: String(ts)) != nil, "\(line)")
                }
            }
        }
    }

    @Test("Lifting slow-disk cancels its pending slow-log lines")
    func liftCancelsScheduledLines() async throws {
        let directory = NSTemporaryDirectory() + "tikv-sim-logs-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = TiKVSimulatorConfiguration()
        configuration.logDirectory = directory
        try await withSimulator(configuration) { simulator, _ in
            try await simulator.inject(.slowDisk, entity: "store:3")
            try await simulator.advanceClock(bySeconds: 25)
            try await simulator.lift(.slowDisk, entity: "store:3")
            try await simulator.advanceClock(bySeconds: 300)
            await simulator.flushLogs()
            let slow = Self.slowLogLines(try lines(directory, "tikv-3.log"))
            #expect(slow.count == 2, "lines at +10 s and +20 s only: \(slow.count)")
        }
    }
}
