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

    /// What `withNextLine` hands out, copied out of the reader's buffer.
    struct RawLine: Equatable {
        var number: Int
        var bytes: [UInt8]
        var byteCount: Int
        var isTruncated: Bool
    }

    func readAllBytes(_ reader: LineReader) throws -> [RawLine] {
        var lines: [RawLine] = []
        while let line = try reader.withNextLine({ RawLine(number: $0.number, bytes: Array($0.bytes), byteCount: $0.byteCount, isTruncated: $0.isTruncated) }) {
            lines.append(line)
        }
        return lines
    }

    @Test func lineBytesAreTheLinesAsReadWhateverTheBufferSize() throws {
        let long = [UInt8](repeating: 0x79, count: 300)
        let input: [UInt8] = Array("one\r\n\ntwo".utf8) + [0x0A, 0x61, 0xFF, 0xFE, 0x62, 0x0D, 0x0A] + long + [0x0A] + Array("last".utf8)
        let file = try TemporaryFile(input)
        for bufferSize in [1, 5, 64, 1 << 16] {
            let raw = try readAllBytes(try LineReader(path: file.path, bufferSize: bufferSize, maximumLineBytes: 100))
            // Bytes that are not UTF-8 are handed over as they are; `next()` shows them as U+FFFD.
            #expect(raw.map(\.bytes) == [Array("one".utf8), [], Array("two".utf8), [0x61, 0xFF, 0xFE, 0x62], Array(long.prefix(100)), Array("last".utf8)], "buffer \(bufferSize)")
            #expect(raw.map(\.number) == Array(1...6))
            #expect(raw.map(\.byteCount) == [4, 0, 3, 5, 300, 4])
            #expect(raw.map(\.isTruncated) == [false, false, false, false, true, false])
            let text = try readAll(try LineReader(path: file.path, bufferSize: bufferSize, maximumLineBytes: 100))
            #expect(text.map(\.text) == raw.map { String(decoding: $0.bytes, as: UTF8.self) })
            #expect(text.map(\.byteCount) == raw.map(\.byteCount))
        }
    }

    @Test func utf8CheckAgreesWithTheStandardLibrary() {
        // Boundaries of Unicode Table 3-7, overlong forms, surrogates, values above U+10FFFF, cut sequences,
        // and each of them inside and after an ASCII run (the check skips ASCII a word at a time).
        let sequences: [[UInt8]] = [
            [], [0x41], [0x7F], [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xC2, 0x80], [0xDF, 0xBF], [0xC2],
            [0xE0, 0x9F, 0x80], [0xE0, 0xA0, 0x80], [0xE1, 0x80, 0x80], [0xEC, 0xBF, 0xBF], [0xED, 0x9F, 0xBF],
            [0xED, 0xA0, 0x80], [0xEE, 0x80, 0x80], [0xEF, 0xBF, 0xBF], [0xE2, 0x9C], [0xE2, 0x28, 0xA1],
            [0xF0, 0x8F, 0x80, 0x80], [0xF0, 0x90, 0x80, 0x80], [0xF3, 0xBF, 0xBF, 0xBF], [0xF4, 0x8F, 0xBF, 0xBF],
            [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF], [0xF0, 0x9F, 0x98], [0xF0, 0x9F, 0x98, 0x80],
        ]
        var random = SystemRandomNumberGenerator()
        var cases: [[UInt8]] = []
        for sequence in sequences {
            for prefix in [0, 3, 8, 13] {
                for suffix in [0, 1, 9] {
                    cases.append(Array(repeating: 0x61, count: prefix) + sequence + Array(repeating: 0x62, count: suffix))
                }
            }
        }
        for _ in 0..<2_000 {
            cases.append((0..<Int.random(in: 0...24, using: &random)).map { _ in
                Bool.random(using: &random) ? UInt8.random(in: 0x20...0x7E, using: &random) : UInt8.random(in: 0x80...0xFF, using: &random)
            })
        }
        for bytes in cases {
            let expected = String(validating: bytes, as: UTF8.self) != nil
            #expect(bytes.withUnsafeBufferPointer { LogText.isValidUTF8($0) } == expected, "\(bytes)")
        }
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
