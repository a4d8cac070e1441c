import ArgumentParser
import Foundation
import OperatorCore
import SubjectTiKV

/// Log parser throughput against `grep -c -F` with the same patterns, on the same file, in the same run.
struct BenchLogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "TiKV log parser throughput (MB/s) next to grep -c on the same patterns and file.")

    @Option(help: ArgumentHelp("Size of the generated TiKV log (e.g. 1GiB, 200MiB).", valueName: "size"))
    var size: String = "1GiB"
    @Option(help: ArgumentHelp("Parse this existing log instead of generating one.", valueName: "path"))
    var file: String?
    @Option(help: ArgumentHelp("Directory for the generated file (default: a temporary directory).", valueName: "dir"))
    var workDirectory: String?
    @Flag(help: "Keep the generated file.") var keep = false
    @Flag(help: "Print the table as markdown.") var markdown = false
    @Flag(help: "Print JSON.") var json = false

    struct Result: Encodable {
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
    }

    func run() async throws {
        let directory = try workDirectory ?? WorkDirectory(prefix: "operator-bench").path
        // A temporary directory of our own goes too, unless it holds the file the user asked to keep.
        defer { if workDirectory == nil && !(keep && file == nil) { try? FileManager.default.removeItem(atPath: directory) } }
        var path = file ?? (directory as NSString).appendingPathComponent("tikv-bench.log")
        var generated: Double?
        if file == nil {
            let target = try BenchFormat.bytes(size)
            if !json { Output.note("generating \(size) of TiKV log at \(path) …") }
            let clock = ContinuousClock(), start = clock.now
            var generator = TiKVLogGenerator(options: .init())
            _ = try generator.write(toPath: path, minimumBytes: target)
            generated = (clock.now - start).seconds
        } else if !FileManager.default.fileExists(atPath: path) {
            throw CLIFailure("no file at \(path)", exitCode: 2)
        }
        defer { if file == nil && !keep { try? FileManager.default.removeItem(atPath: path) } }
        path = (path as NSString).standardizingPath

        if !json { Output.note("parsing with the TiKV log parser …") }
        let before = ProcessMemory.residentBytes() ?? 0
        let filePath = path
        let (parsed, peak) = try await ProcessMemory.peak { try TiKVLogBenchmark.scanFile(atPath: filePath) }
        if !json { Output.note("grep -c -F with the same \(TiKVLogCatalogue.fixedStringPatterns.count) patterns …") }
        let (grepSeconds, matches) = try Self.grep(path, patterns: TiKVLogCatalogue.fixedStringPatterns, directory: directory)

        let mb = Double(parsed.bytes) / 1_048_576
        let result = Result(
            bytes: parsed.bytes, lines: parsed.lines, parser: parsed, grepSeconds: grepSeconds, grepMatches: matches,
            generatorSeconds: generated, ratio: grepSeconds > 0 ? parsed.megabytesPerSecond / (mb / grepSeconds) : 0,
            residentBytesBefore: before, residentBytesPeak: peak)
        if json { return try Output.json(result) }
        let table = BenchTable(
            title: "Log parser throughput (\(BenchFormat.number(mb, digits: 0)) MiB, \(parsed.lines) lines)",
            columns: ["tool", "seconds", "MB/s", "lines/s", "matched lines", "vs grep"],
            rows: [
                ["operator TiKVLogParser (event scan)", BenchFormat.number(parsed.elapsedSeconds, digits: 2),
                 BenchFormat.number(parsed.megabytesPerSecond), BenchFormat.number(parsed.linesPerSecond, digits: 0), "\(parsed.events) events",
                 BenchFormat.ratio(parsed.megabytesPerSecond, mb / grepSeconds)],
                ["grep -c -F -f patterns", BenchFormat.number(grepSeconds, digits: 2), BenchFormat.number(mb / grepSeconds),
                 BenchFormat.number(Double(parsed.lines) / grepSeconds, digits: 0), "\(matches) lines", "1.00x"],
            ],
            notes: ["same file, same run; the event scan matches each line's bytes against the catalogue (its header's shape and level checked, so a line of another shape is still parsed and reported unparseable) and decodes only the lines that can be events: time, fields, ids and duration, each event built exactly as `operator logs parse` builds it; grep only matches; MB = MiB",
                    "memory while parsing (streaming): resident \(BenchFormat.number(Double(before) / 1_048_576)) MiB before, peak \(BenchFormat.number(Double(peak) / 1_048_576)) MiB (+\(BenchFormat.number(Double(max(0, peak - before)) / 1_048_576)) MiB) for a \(BenchFormat.number(mb, digits: 0)) MiB file", generated.map { "generated in \(BenchFormat.number($0, digits: 1)) s" } ?? "existing file"])
        Output.line(table.render(markdown: markdown))
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
        else { throw CLIFailure("grep failed (exit \(p.terminationStatus)); is grep installed?") }
        return (seconds, count)
    }
}
