import NIOCore

/// The `count` at the start of a PD `RegionsInfo` body, read from its first bytes.
///
/// PD writes `RegionsInfo` as `{"count":N,"regions":[...]}` (`pkg/response/region.go`, fields in struct
/// order), so the count is known after a few bytes while the region list can run to tens of MB
/// (tikv-at-scale.md §1.1). Whitespace between tokens is allowed (pretty-printed bodies, proxies).
enum LeadingCount: Equatable, Sendable {
    /// The count, and the body may stop here.
    case count(Int)
    /// The bytes so far are a prefix of `{"count":<digits>`: read more.
    case needMore
    /// The body does not start with `count` (another key first, an error body, not JSON): decode it whole.
    case notLeading
    /// `count` is there but is no region count (negative, a fraction, more than 18 digits).
    case malformed(String)

    /// How far into a body the count may start: past this much whitespace it is not the body PD writes.
    static let window = 256

    /// Reads the prefix in `body` (its readable bytes; only the first ``window`` are looked at).
    static func read(_ body: ByteBuffer) -> LeadingCount {
        let length = min(body.readableBytes, window)
        let head = body.getBytes(at: body.readerIndex, length: length) ?? []
        let result = read(head[...])
        return result == .needMore && body.readableBytes > window ? .notLeading : result
    }

    static func read(_ bytes: ArraySlice<UInt8>) -> LeadingCount {
        var i = bytes.startIndex
        func skipSpace() {
            while i < bytes.endIndex, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 {
                i += 1
            }
        }
        /// Matches `literal` at `i`: `.count(0)` stands for "matched" here.
        func expect(_ literal: [UInt8]) -> LeadingCount? {
            for byte in literal {
                guard i < bytes.endIndex else { return .needMore }
                guard bytes[i] == byte else { return .notLeading }
                i += 1
            }
            return nil
        }
        skipSpace()
        if let stop = expect(Array("{".utf8)) { return stop }
        skipSpace()
        if let stop = expect(Array("\"count\"".utf8)) { return stop }
        skipSpace()
        if let stop = expect(Array(":".utf8)) { return stop }
        skipSpace()
        guard i < bytes.endIndex else { return .needMore }
        if bytes[i] == UInt8(ascii: "-") { return .malformed("count is negative") }
        var value = 0
        var digits = 0
        while i < bytes.endIndex, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            digits += 1
            // 18 digits always fit in Int; PD counts regions in the millions.
            guard digits <= 18 else { return .malformed("count has more than 18 digits") }
            value = value * 10 + Int(bytes[i] - 0x30)
            i += 1
        }
        guard i < bytes.endIndex else { return .needMore }
        guard digits > 0 else { return .malformed("count is not a number") }
        switch bytes[i] {
        case UInt8(ascii: ","), UInt8(ascii: "}"), 0x20, 0x0A, 0x0D, 0x09: return .count(value)
        default: return .malformed("count is not a whole number")
        }
    }

    /// True once the prefix settles the question (anything but "read more").
    var isSettled: Bool { self != .needMore }
}
