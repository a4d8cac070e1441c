import Foundation
import NIOCore

/// The text-format parser fed a page part by part as it arrives off the network: complete lines are parsed
/// straight from each part, and only a line split between two parts is copied (into one reused buffer), so
/// the page is never held whole. ``ExpositionParser`` is this parser fed once.
public struct ExpositionStreamParser: Sendable {
    private var page = MetricsPage()
    /// The start of a line whose end has not arrived yet.
    private var partialLine: [UInt8] = []
    private var lineNumber = 0
    private let filter: MetricFamilyFilter?
    /// Bytes fed so far.
    public private(set) var bytesRead = 0

    /// `keeping`: parse only the samples of these families (see ``MetricFamilyFilter``); `nil` parses all.
    public init(keeping filter: MetricFamilyFilter? = nil) {
        self.filter = filter
    }

    public mutating func feed(_ part: ByteBuffer) {
        part.withUnsafeReadableBytes { raw in
            raw.withMemoryRebound(to: UInt8.self) { feed($0) }
        }
    }

    public mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>) {
        bytesRead += bytes.count
        var start = 0
        if !partialLine.isEmpty {
            guard let newline = Self.newline(in: bytes, from: 0) else {
                partialLine.append(contentsOf: bytes)
                return
            }
            partialLine.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[..<newline]))
            parsePartialLine()
            start = newline + 1
        }
        while start < bytes.count {
            guard let newline = Self.newline(in: bytes, from: start) else {
                partialLine.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
                return
            }
            lineNumber += 1
            ExpositionParser.parseLine(bytes, start..<newline, number: lineNumber, keeping: filter, into: &page)
            start = newline + 1
        }
    }

    /// The page, once the body has ended (a last line without a newline counts).
    public mutating func finish() -> MetricsPage {
        if !partialLine.isEmpty {
            parsePartialLine()
            partialLine = []
        }
        page.lineCount = lineNumber
        return page
    }

    /// Parses the line completed in `partialLine` and empties it, keeping its capacity for the next one.
    private mutating func parsePartialLine() {
        lineNumber += 1
        let number = lineNumber
        let filter = self.filter
        var line: [UInt8] = []
        swap(&line, &partialLine)
        line.withUnsafeBufferPointer { bytes in
            ExpositionParser.parseLine(bytes, 0..<bytes.count, number: number, keeping: filter, into: &page)
        }
        line.removeAll(keepingCapacity: true)
        partialLine = line
    }

    /// The index of the next `\n` at or after `start`, by memchr.
    private static func newline(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < bytes.count, let base = bytes.baseAddress,
            let found = memchr(base + start, Int32(UInt8(ascii: "\n")), bytes.count - start)
        else { return nil }
        return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
    }
}
