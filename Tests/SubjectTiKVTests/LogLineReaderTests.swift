import Foundation
import OperatorCore
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `LineReader` (OperatorCore) as the log commands use it: files, pipes, odd line endings, long lines.
@Suite struct LogLineReaderTests {
    /// A file in a fresh temporary directory, removed when the test ends.
    final class TemporaryFile {
        let directory: URL
        let path: String

        init(_ bytes: [UInt8]) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("linereader-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            path = directory.appendingPathComponent("input.log").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }

        deinit { try? FileManager.default.removeItem(at: directory) }
    }

    func readAll(_ reader: LineReader) throws -> [LineReader.Line] {
        var lines: [LineReader.Line] = []
        while let line = try reader.next() { lines.append(line) }
        return lines
    }

    @Test func splitsLinesAcrossBufferBoundaries() throws {
        let text = (1...500).map { "line \($0) " + String(repeating: "x", count: $0 % 37) }.joined(separator: "\n") + "\n"
        let file = try TemporaryFile(Array(text.utf8))
        // A 7-byte buffer forces lines to span many reads.
        for bufferSize in [1, 7, 64, 256 * 1024] {
            let reader = try LineReader(path: file.path, bufferSize: bufferSize)
            let lines = try readAll(reader)
            #expect(lines.map(\.text) == text.split(separator: "\n").map(String.init), "buffer \(bufferSize)")
            #expect(lines.map(\.number) == Array(1...500))
            #expect(reader.bytesRead == text.utf8.count)
            #expect(reader.linesRead == 500)
        }
    }

    @Test func crlfLastLineWithoutNewlineAndEmptyLines() throws {
        let file = try TemporaryFile(Array("a\r\n\r\n\nlast".utf8))
        let lines = try readAll(try LineReader(path: file.path, bufferSize: 3))
        #expect(lines.map(\.text) == ["a", "", "", "last"])
        #expect(lines.map(\.byteCount) == [2, 1, 0, 4])
    }

    @Test func emptyFileHasNoLines() throws {
        let file = try TemporaryFile([])
        #expect(try readAll(try LineReader(path: file.path)).isEmpty)
    }

    @Test func longLinesAreCutAtTheLimitAndMarked() throws {
        let long = String(repeating: "y", count: 10_000)
        let file = try TemporaryFile(Array("short\n\(long)\nafter\n\(long)".utf8))
        for bufferSize in [16, 4096, 1 << 20] {
            let lines = try readAll(try LineReader(path: file.path, bufferSize: bufferSize, maximumLineBytes: 100))
            #expect(lines.map(\.text) == ["short", String(long.prefix(100)), "after", String(long.prefix(100))])
            #expect(lines.map(\.isTruncated) == [false, true, false, true])
            #expect(lines.map(\.byteCount) == [5, 10_000, 5, 10_000])
        }
    }

    @Test func invalidUTF8BecomesReplacementCharacters() throws {
        let file = try TemporaryFile([0x61, 0xFF, 0xFE, 0x62, 0x0A, 0xE2, 0x9C, 0x93])
        let lines = try readAll(try LineReader(path: file.path))
        #expect(lines.map(\.text) == ["a\u{FFFD}\u{FFFD}b", "✓"])
    }

    @Test func readsFromAPipe() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let payload = Array("one\ntwo\nthree".utf8)
        let written = payload.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        #expect(written == payload.count)
        close(fds[1])
        let reader = LineReader(fileDescriptor: fds[0], name: "pipe", closeWhenDone: true, bufferSize: 4)
        #expect(try readAll(reader).map(\.text) == ["one", "two", "three"])
    }

    @Test func missingFileErrorNamesThePathAndSaysWhatToDo() throws {
        let path = "/nonexistent-\(UUID().uuidString)/tikv.log"
        do {
            _ = try LineReader(path: path)
            Issue.record("opening a missing file succeeded")
        } catch {
            #expect(error.description.contains(path))
            #expect(error.description.contains("No such file"))
            #expect(error.description.contains("pass - to read standard input"))
        }
    }

    @Test func directoryErrorNamesThePath() throws {
        let dir = FileManager.default.temporaryDirectory.path
        do {
            let reader = try LineReader(path: dir)
            _ = try reader.next()
            Issue.record("reading a directory succeeded")
        } catch {
            #expect(error.description.contains(dir))
            #expect(error.description.contains("directory"))
        }
    }
}
