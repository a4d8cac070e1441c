import Foundation
import OperatorCore
import SubjectTiKV

/// TiKV log parser throughput against `grep -c -F` with the same patterns, on the same file, in the same
/// run: a generated log of the given size (removed afterwards unless kept), or an existing file.
public enum LogThroughputBenchmark {
    public struct Options: Sendable {
        /// Size of the generated log (`1GiB`, `200MiB`), when no `file` is given.
        public var size = "1GiB"
        /// Parse this existing log instead of generating one.
        public var file: String?
        /// Directory for the generated file (default: a temporary directory, removed).
        public var workDirectory: String?
        /// Keep the generated file.
        public var keep = false

        public init() {}
    }

    public struct Result: Encodable, Sendable {
        var bytes: Int
        var lines: Int
        var parser: LogParseThroughput
        var grepSeconds: Double
        var grepMatches: Int
        var generatorSeconds: Double?
        var ratio: Double
        /// Resident memory before parsing and its peak while parsing: streaming keeps the difference flat
        /// whatever the file size.
        var residentBytesBefore: Int
        var residentBytesPeak: Int

        enum CodingKeys: String, CodingKey {
            case bytes, lines, parser
            case grepSeconds = "grep_seconds"
            case grepMatches = "grep_matches"
            case generatorSeconds = "generator_seconds"
            case ratio
            case residentBytesBefore = "resident_bytes_before"
            case residentBytesPeak = "resident_bytes_peak"
        }

        public var table: BenchTable {
            let mb = Double(parser.bytes) / 1_048_576
            let before = residentBytesBefore, peak = residentBytesPeak
            return BenchTable(
                title: "Log parser throughput (\(BenchFormat.number(mb, digits: 0)) MiB, \(parser.lines) lines)",
                columns: ["tool", "seconds", "MB/s", "lines/s", "matched lines", "vs grep"],
                rows: [
                    ["operator TiKVLogParser (event scan)", BenchFormat.number(parser.elapsedSeconds, digits: 2),
                     BenchFormat.number(parser.megabytesPerSecond), BenchFormat.number(parser.linesPerSecond, digits: 0), "\(parser.events) events",
                     BenchFormat.ratio(parser.megabytesPerSecond, mb / grepSeconds)],
                    ["grep -c -F -f patterns", BenchFormat.number(grepSeconds, digits: 2), BenchFormat.number(mb / grepSeconds),
                     BenchFormat.number(Double(parser.lines) / grepSeconds, digits: 0), "\(grepMatches) lines", "1.00x"],
                ],
                notes: ["same file, same run; the event scan matches each line's bytes against the catalogue (its header's shape and level checked, so a line of another shape is still parsed and reported unparseable) and decodes only the lines that can be events: their time, field syntax and escapes are checked as `operator logs parse` checks them, and each event is summarised (time, level, kind, store, region, peer, term, duration: the values the full event carries) without building its other fields, message or source; grep only matches; MB = MiB",
                        "memory while parsing (streaming): resident \(BenchFormat.number(Double(before) / 1_048_576)) MiB before, peak \(BenchFormat.number(Double(peak) / 1_048_576)) MiB (+\(BenchFormat.number(Double(max(0, peak - before)) / 1_048_576)) MiB) for a \(BenchFormat.number(mb, digits: 0)) MiB file", generatorSeconds.map { "generated in \(BenchFormat.number($0, digits: 1)) s" } ?? "existing file"])
        }
    }

    public static func measure(options: Options, progress: @Sendable (String) -> Void) async throws -> Result {
        let directory: String
        if let chosen = options.workDirectory {
            directory = chosen
        } else {
            do { directory = try WorkDirectory(prefix: "operator-bench").path } catch { throw BenchmarkError.failed(error.description) }
        }
        // A temporary directory of our own goes too, unless it holds the file the user asked to keep.
        defer {
            if options.workDirectory == nil && !(options.keep && options.file == nil) { try? FileManager.default.removeItem(atPath: directory) }
        }
        var path = options.file ?? (directory as NSString).appendingPathComponent("tikv-bench.log")
        var generated: Double?
        if options.file == nil {
            let target = try BenchFormat.bytes(options.size)
            progress("generating \(options.size) of TiKV log at \(path) …")
            let clock = ContinuousClock(), start = clock.now
            var generator = TiKVLogGenerator(options: .init())
            _ = try generator.write(toPath: path, minimumBytes: target)
            generated = (clock.now - start).seconds
        } else if !FileManager.default.fileExists(atPath: path) {
            throw BenchmarkError.badInput("no file at \(path)")
        }
        defer { if options.file == nil && !options.keep { try? FileManager.default.removeItem(atPath: path) } }
        path = (path as NSString).standardizingPath

        progress("parsing with the TiKV log parser …")
        let before = ProcessUsage.residentBytes() ?? 0
        let filePath = path
        let (parsed, peak) = try await ProcessUsage.peak { try TiKVLogBenchmark.scanFile(atPath: filePath) }
        progress("grep -c -F with the same \(TiKVLogCatalogue.fixedStringPatterns.count) patterns …")
        let (grepSeconds, matches) = try grep(path, patterns: TiKVLogCatalogue.fixedStringPatterns, directory: directory)

        let mb = Double(parsed.bytes) / 1_048_576
        return Result(
            bytes: parsed.bytes, lines: parsed.lines, parser: parsed, grepSeconds: grepSeconds, grepMatches: matches,
            generatorSeconds: generated, ratio: grepSeconds > 0 ? parsed.megabytesPerSecond / (mb / grepSeconds) : 0,
            residentBytesBefore: before, residentBytesPeak: peak)
    }

    static func grep(_ path: String, patterns: [String], directory: String) throws -> (Double, Int) {
        let patternFile = (directory as NSString).appendingPathComponent("patterns-\(UUID().uuidString).txt")
        try patterns.joined(separator: "\n").appending("\n").write(toFile: patternFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: patternFile) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["grep", "-c", "-F", "-f", patternFile, path]
        var env = ProcessInfo.processInfo.environment
        env["LC_ALL"] = "C"  // byte matching, as the parser does
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        let clock = ContinuousClock(), start = clock.now
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let seconds = (clock.now - start).seconds
        guard p.terminationStatus <= 1, let count = Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        else { throw BenchmarkError.failed("grep failed (exit \(p.terminationStatus)); is grep installed?") }
        return (seconds, count)
    }
}
