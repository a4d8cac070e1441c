import Foundation
import OperatorCore
import Testing

@testable import SubjectTiKV

/// Parsing a large log keeps memory flat: resident memory after the first eighth of the file does not
/// grow with the bytes read. The file is 64 MiB by default (a debug build parses it in seconds); set
/// `OPERATOR_LOG_MEMORY_TEST_MB=1024` to run the same check on a gigabyte.
@Suite struct TiKVLogStreamingMemoryTests {
    /// Resident set size from /proc (Linux); `nil` elsewhere.
    static func residentBytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kb = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            return kb.map { $0 * 1024 }
        }
        return nil
    }

    @Test func residentMemoryStaysFlatWhileStreamingALargeFile() throws {
        let megabytes = ProcessInfo.processInfo.environment["OPERATOR_LOG_MEMORY_TEST_MB"].flatMap(Int.init) ?? 64
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tikvlog-memory-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("big.log").path

        // One generated mebibyte of realistic lines, written again and again: cheap to build in a debug test.
        var generator = TiKVLogGenerator(options: .init(seed: 99, garbageEvery: 5000))
        var block = ""
        while block.utf8.count < 1 << 20 { block += generator.nextLine() + "\n" }
        let blockEvents = generator.eventsWritten
        let blockLines = generator.linesWritten
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let blockData = Data(block.utf8)
        for _ in 0..<megabytes { try handle.write(contentsOf: blockData) }
        try handle.close()
        let fileSize = blockData.count * megabytes

        let reader = try LineReader(path: path)
        let parser = TiKVLogParser()
        var events = 0
        var baseline: Int?
        var peak = 0
        while let line = try reader.next() {
            if case .event = parser.parse(line: line.text[...]) { events += 1 }
            if line.number % 20_000 == 0, let rss = Self.residentBytes() {
                if baseline == nil, reader.bytesRead >= fileSize / 8 { baseline = rss }
                if baseline != nil { peak = max(peak, rss) }
            }
        }
        #expect(reader.bytesRead == fileSize)
        #expect(reader.linesRead == blockLines * megabytes)
        #expect(events == blockEvents * megabytes)

        guard let baseline else {
            print("RSS not measured: /proc/self/status is not available on this system")
            return
        }
        let growth = peak - baseline
        print(
            "streamed \(fileSize / 1_048_576) MiB, \(reader.linesRead) lines, \(events) events: RSS "
                + "\(baseline / 1_048_576) MiB after the first eighth, peak \(peak / 1_048_576) MiB (growth \(growth / 1024) KiB)")
        // Keeping lines or events alive would grow by more than the file's size; other tests running in
        // parallel in this process account for a few MiB at most.
        #expect(growth < min(24 << 20, fileSize / 2), "RSS grew by \(growth) bytes while streaming \(fileSize) bytes")
    }
}
