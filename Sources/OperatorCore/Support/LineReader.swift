#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a text file (or standard input) line by line in constant memory: one fixed read buffer plus at
/// most `maximumLineBytes` for a line that spans reads, however large the file.
///
/// Log files reach many gigabytes and are untrusted: a line longer than the limit (or a binary file with
/// no newline at all) is cut at the limit and marked ``Line/isTruncated`` rather than growing memory.
/// Lines end at `\n`; a trailing `\r` is dropped. Bytes that are not UTF-8 become U+FFFD, so a parser
/// sees them as garbage instead of the reader failing.
///
/// One reader belongs to one task; it is not `Sendable`.
public final class LineReader {
    /// One line of input, without its line terminator.
    public struct Line: Sendable, Equatable {
        /// 1-based position in the input.
        public var number: Int
        public var text: String
        /// Length of the line in the input, counting bytes dropped by truncation (but not the terminator).
        public var byteCount: Int
        /// The line was longer than the reader's limit; `text` holds only its first `maximumLineBytes`.
        public var isTruncated: Bool
    }

    /// The path that means standard input, as command-line tools spell it.
    public static let standardInputPath = "-"

    /// Where lines come from, for error messages (`standard input` or the path).
    public let inputName: String
    public let maximumLineBytes: Int
    /// Bytes read from the input so far.
    public private(set) var bytesRead: Int = 0
    /// Lines returned so far.
    public private(set) var linesRead: Int = 0

    private let fileDescriptor: Int32
    private let ownsFileDescriptor: Bool
    private let buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var reachedEnd = false
    /// Bytes of a line that began in an earlier read, capped at `maximumLineBytes`.
    private var carry: [UInt8] = []
    /// Full length of the line held in `carry`, including what was dropped.
    private var carryLength = 0

    /// Opens `path` for reading, or standard input when `path` is `-`.
    public convenience init(
        path: String, bufferSize: Int = 256 * 1024, maximumLineBytes: Int = 1024 * 1024
    ) throws(LineReaderError) {
        if path == Self.standardInputPath {
            self.init(
                fileDescriptor: 0, name: "standard input", closeWhenDone: false, bufferSize: bufferSize,
                maximumLineBytes: maximumLineBytes)
            return
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw LineReaderError(input: path, operation: "open", code: errno)
        }
        self.init(
            fileDescriptor: fd, name: path, closeWhenDone: true, bufferSize: bufferSize,
            maximumLineBytes: maximumLineBytes)
    }

    /// Reads from an already open descriptor (a pipe, a socket, standard input).
    public init(
        fileDescriptor: Int32, name: String, closeWhenDone: Bool, bufferSize: Int = 256 * 1024,
        maximumLineBytes: Int = 1024 * 1024
    ) {
        self.fileDescriptor = fileDescriptor
        self.inputName = name
        self.ownsFileDescriptor = closeWhenDone
        self.maximumLineBytes = max(1, maximumLineBytes)
        self.buffer = .allocate(byteCount: max(1, bufferSize), alignment: 16)
        // Lines are handed out as `UInt8` buffers (``withNextLine(_:)``).
        _ = self.buffer.bindMemory(to: UInt8.self)
        carry.reserveCapacity(min(self.maximumLineBytes, 64 * 1024))
    }

    deinit {
        buffer.deallocate()
        if ownsFileDescriptor { close(fileDescriptor) }
    }

    /// One line of input as the bytes read, valid only inside the closure it is passed to: no `String` is
    /// built, so a parser can look at the line before deciding it needs text at all. The bytes may not be
    /// UTF-8 (``next()`` would show such bytes as U+FFFD).
    public struct LineBytes {
        /// 1-based position in the input.
        public var number: Int
        /// The line without its terminator (`\n`, or `\r\n`), cut to `maximumLineBytes`.
        public var bytes: UnsafeBufferPointer<UInt8>
        /// Length of the line in the input, counting bytes dropped by truncation (but not the terminator).
        public var byteCount: Int
        /// The line was longer than the reader's limit; `bytes` holds only its first `maximumLineBytes`.
        public var isTruncated: Bool
    }

    /// The next line, or `nil` at the end of input. Throws only when reading itself fails (an I/O error,
    /// a directory given as a file); the error names the input.
    public func next() throws(LineReaderError) -> Line? {
        try withNextLine { line in
            Line(
                number: line.number, text: String(decoding: line.bytes, as: UTF8.self), byteCount: line.byteCount,
                isTruncated: line.isTruncated)
        }
    }

    /// Passes the next line's bytes to `body` and returns its result, or `nil` at the end of input. The
    /// bytes live in the reader's buffer: they must not escape `body`. Throws like ``next()``.
    public func withNextLine<Result>(_ body: (LineBytes) -> Result) throws(LineReaderError) -> Result? {
        while true {
            if start < end, let base = buffer.baseAddress {
                let remaining = end - start
                if let found = memchr(base + start, 0x0A, remaining) {
                    let newline = base.distance(to: found)
                    let piece = UnsafeRawBufferPointer(rebasing: buffer[start..<newline])
                    start = newline + 1
                    return makeLine(lastPiece: piece, body)
                }
                appendToCarry(UnsafeRawBufferPointer(rebasing: buffer[start..<end]))
            }
            start = 0
            end = 0
            if reachedEnd {
                // A last line without a terminating newline still counts.
                guard carryLength > 0 || !carry.isEmpty else { return nil }
                return makeLine(lastPiece: UnsafeRawBufferPointer(start: nil, count: 0), body)
            }
            try fill()
        }
    }

    private func fill() throws(LineReaderError) {
        while true {
            let n = read(fileDescriptor, buffer.baseAddress, buffer.count)
            if n > 0 {
                end = n
                bytesRead += n
                return
            }
            if n == 0 {
                reachedEnd = true
                return
            }
            let code = errno
            if code == EINTR { continue }
            throw LineReaderError(input: inputName, operation: "read", code: code)
        }
    }

    private func appendToCarry(_ bytes: UnsafeRawBufferPointer) {
        let room = maximumLineBytes - carry.count
        if room > 0 { carry.append(contentsOf: bytes.prefix(room)) }
        carryLength += bytes.count
    }

    private func makeLine<Result>(lastPiece: UnsafeRawBufferPointer, _ body: (LineBytes) -> Result) -> Result {
        linesRead += 1
        if carryLength == 0 {
            // Fast path: the whole line sits in the read buffer.
            let length = lastPiece.count
            let kept = UnsafeRawBufferPointer(rebasing: lastPiece.prefix(maximumLineBytes))
            return body(
                LineBytes(
                    number: linesRead, bytes: Self.withoutCarriageReturn(kept), byteCount: length,
                    isTruncated: length > maximumLineBytes))
        }
        appendToCarry(lastPiece)
        let result = carry.withUnsafeBytes { kept in
            body(
                LineBytes(
                    number: linesRead, bytes: Self.withoutCarriageReturn(kept), byteCount: carryLength,
                    isTruncated: carryLength > maximumLineBytes))
        }
        carry.removeAll(keepingCapacity: carry.capacity <= 64 * 1024)
        carryLength = 0
        return result
    }

    private static func withoutCarriageReturn(_ bytes: UnsafeRawBufferPointer) -> UnsafeBufferPointer<UInt8> {
        var bytes = bytes
        if bytes.last == 0x0D { bytes = UnsafeRawBufferPointer(rebasing: bytes.dropLast()) }  // CRLF files
        return bytes.assumingMemoryBound(to: UInt8.self)
    }
}

/// Reading the input failed: names the input, the operation and the system's reason.
public struct LineReaderError: Error, CustomStringConvertible {
    public let input: String
    public let operation: String
    public let code: Int32

    public var description: String {
        let reason = String(cString: strerror(code))
        let hint: String
        switch code {
        case ENOENT: hint = "check the path, or pass - to read standard input"
        case EACCES: hint = "check the file's permissions"
        case EISDIR: hint = "give a file, not a directory"
        default: hint = "check that the input is a readable file"
        }
        return "cannot \(operation) \(input): \(reason); \(hint)"
    }
}
