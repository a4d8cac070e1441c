import CZlib

/// gzip (RFC 1952) bodies built from deflate segments, so a large page part that never changes is
/// compressed once and the small part that changes per request is compressed per request.
///
/// Each segment is raw deflate ended by a full flush: it is byte-aligned and refers to nothing before
/// it, so segments compressed at different times concatenate into one valid deflate stream. The gzip
/// trailer's CRC-32 of the whole is combined from the segments' own (`crc32_combine`).
struct DeflateSegment: Sendable {
    private(set) var bytes: [UInt8] = []
    private(set) var crc: UInt = 0
    private(set) var length: Int = 0

    /// Compresses `text` as one segment.
    init(_ text: String) {
        let encoder = DeflateSegmentEncoder()
        encoder.append(text)
        self = encoder.finish()
    }

    fileprivate init(bytes: [UInt8], crc: UInt, length: Int) {
        self.bytes = bytes
        self.crc = crc
        self.length = length
    }
}

/// Compresses text appended piece by piece into one `DeflateSegment`: memory holds the compressed
/// output only, so a 165 MB page is never held uncompressed. A class: zlib's state points back at its
/// `z_stream`, which therefore must not move.
final class DeflateSegmentEncoder {
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private var output: [UInt8] = []
    private var crc: UInt = crc32(0, nil, 0)
    private var length = 0
    private var chunk = [UInt8](repeating: 0, count: 65_536)

    init() {
        stream.initialize(to: z_stream())
        // Raw deflate (negative window bits), level 6 as Go's gzip.NewWriter, memLevel 8.
        _ = deflateInit2_(stream, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    func append(_ text: String) {
        var text = text
        text.withUTF8 { input in
            guard let base = input.baseAddress, !input.isEmpty else { return }
            crc = crc32(crc, base, uInt(input.count))
            length += input.count
            run(base, count: input.count, flush: Z_NO_FLUSH)
        }
    }

    func finish() -> DeflateSegment {
        var empty: UInt8 = 0
        run(&empty, count: 0, flush: Z_FULL_FLUSH)
        return DeflateSegment(bytes: output, crc: crc, length: length)
    }

    private func run(_ input: UnsafePointer<UInt8>, count: Int, flush: Int32) {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input)
        stream.pointee.avail_in = uInt(count)
        repeat {
            let produced = chunk.withUnsafeMutableBufferPointer { buffer -> Int in
                stream.pointee.next_out = buffer.baseAddress
                stream.pointee.avail_out = uInt(buffer.count)
                _ = deflate(stream, flush)
                return buffer.count - Int(stream.pointee.avail_out)
            }
            output.append(contentsOf: chunk[0..<produced])
        } while stream.pointee.avail_out == 0
    }
}

enum Gzip {
    /// One gzip member holding `segments` in order.
    static func member(_ segments: [DeflateSegment]) -> [UInt8] {
        // ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=255 (unknown), as Go's gzip.Writer without a header.
        var out: [UInt8] = [0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]
        out.reserveCapacity(segments.reduce(18) { $0 + $1.bytes.count })
        var crc: UInt = crc32(0, nil, 0)
        var length = 0
        for segment in segments {
            out.append(contentsOf: segment.bytes)
            crc = crc32_combine(crc, segment.crc, off_t(segment.length))
            length += segment.length
        }
        // An empty final block with fixed Huffman codes: BFINAL=1, BTYPE=01, end-of-block.
        out.append(contentsOf: [0x03, 0x00])
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: crc >> UInt(shift))) }
        // ISIZE is the input length modulo 2^32 (RFC 1952).
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: length >> shift)) }
        return out
    }

    static func compress(_ text: String) -> [UInt8] {
        member([DeflateSegment(text)])
    }

    /// Whether an `Accept-Encoding` header value accepts gzip (`gzip`, `gzip;q=0.5`, `*`), not `gzip;q=0`.
    static func isAccepted(by acceptEncoding: String?) -> Bool {
        guard let acceptEncoding else { return false }
        for item in acceptEncoding.lowercased().split(separator: ",") {
            let parts = item.split(separator: ";").map { String($0.filter { $0 != " " && $0 != "\t" }) }
            guard let coding = parts.first, coding == "gzip" || coding == "*" else { continue }
            let refused = parts.dropFirst().contains { $0.hasPrefix("q=") && Double($0.dropFirst(2)) == 0 }
            if !refused { return true }
        }
        return false
    }
}
