import Hummingbird
import NIOCore
import Synchronization

/// A large response body produced piece by piece as the client reads it, never held whole: a 150 MB PD
/// `/metrics` page or a 24 MB `/regions/check` answer costs the test one piece of memory. Records how
/// many bytes the server managed to write and whether it wrote them all, so a test can prove a client
/// stopped reading (closed the connection) instead of receiving the rest.
public final class StreamedBody: Sendable {
    public let prefix: String
    public let pieceCount: Int
    public let suffix: String
    public let piece: @Sendable (Int) -> String
    /// After this many pieces, the server waits ``pause`` before each further one: a body the client reads
    /// whole then takes far longer than any prefix read, so "the client hung up" shows as a body that never
    /// completed. (NIO buffers what a handler writes, so bytes handed over prove nothing on their own.)
    public let burst: Int?
    public let pause: Duration
    private let state = Mutex<(written: Int, ended: Int, completed: Int)>((0, 0, 0))

    /// The body is `prefix`, then `piece(0) … piece(pieceCount - 1)`, then `suffix`.
    public init(
        prefix: String = "", pieceCount: Int, suffix: String = "", burst: Int? = nil, pause: Duration = .milliseconds(2),
        piece: @escaping @Sendable (Int) -> String
    ) {
        self.burst = burst
        self.pause = pause
        self.prefix = prefix
        self.pieceCount = pieceCount
        self.suffix = suffix
        self.piece = piece
    }

    /// A small body given whole, served the same way.
    public convenience init(text: String) {
        self.init(prefix: text, pieceCount: 0, piece: { _ in "" })
    }

    /// The whole body's length (generates every piece once: for bodies of tens of MB, not hundreds).
    public func totalBytes() -> Int {
        (0..<pieceCount).reduce(prefix.utf8.count + suffix.utf8.count) { $0 + piece($1).utf8.count }
    }

    /// Bytes written to clients so far, over all requests.
    public var bytesWritten: Int { state.withLock { $0.written } }
    /// Requests that have finished writing, completely or not.
    public var requestsEnded: Int { state.withLock { $0.ended } }
    /// Requests whose whole body was written.
    public var requestsCompleted: Int { state.withLock { $0.completed } }

    public func response(contentType: String) -> Response {
        var fields = HTTPFields()
        fields[.contentType] = contentType
        return Response(status: .ok, headers: fields, body: ResponseBody { [self] writer in
            var completed = false
            defer {
                let done = completed
                state.withLock { s in
                    s.ended += 1
                    if done { s.completed += 1 }
                }
            }
            try await write(ByteBuffer(string: prefix), to: &writer)
            for i in 0..<pieceCount {
                if let burst, i >= burst { try await Task.sleep(for: pause) }
                try await write(ByteBuffer(string: piece(i)), to: &writer)
            }
            try await write(ByteBuffer(string: suffix), to: &writer)
            try await writer.finish(nil)
            completed = true
        })
    }

    private func write(_ buffer: ByteBuffer, to writer: inout any ResponseBodyWriter) async throws {
        guard buffer.readableBytes > 0 else { return }
        try await writer.write(buffer)
        state.withLock { $0.written += buffer.readableBytes }
    }
}
