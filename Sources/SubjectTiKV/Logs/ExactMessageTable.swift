import Foundation

/// The catalogue's constant messages by byte length, in memory allocated once and never freed: every
/// message of a log is looked up here, and walking Swift arrays of arrays retained and released each
/// entry on the way (a tenth of the scan's time).
struct ExactMessageTable: @unchecked Sendable {
    // @unchecked: written once in `init`, read-only afterwards.
    private let text: UnsafeMutableBufferPointer<UInt8>
    /// Entries sorted by length: where each message starts in `text`, and its kind.
    private let starts: UnsafeMutableBufferPointer<Int>
    private let kinds: UnsafeMutableBufferPointer<TiKVLogEventKind>
    /// For each length, the range of entries of that length.
    private let byLength: UnsafeMutableBufferPointer<Range<Int>>

    init(_ messages: [String: TiKVLogEventKind]) {
        let sorted = messages.map { (Array($0.key.utf8), $0.value) }.sorted { $0.0.count < $1.0.count }
        let longest = sorted.last?.0.count ?? 0
        text = .allocate(capacity: max(1, sorted.reduce(0) { $0 + $1.0.count }))
        starts = .allocate(capacity: max(1, sorted.count))
        kinds = .allocate(capacity: max(1, sorted.count))
        byLength = .allocate(capacity: longest + 1)
        byLength.initialize(repeating: 0..<0)
        var offset = 0
        for (index, (bytes, kind)) in sorted.enumerated() {
            _ = UnsafeMutableBufferPointer(rebasing: text[offset..<(offset + bytes.count)]).initialize(from: bytes)
            starts[index] = offset
            kinds[index] = kind
            let range = byLength[bytes.count]
            byLength[bytes.count] = (range.isEmpty ? index : range.lowerBound)..<(index + 1)
            offset += bytes.count
        }
    }

    /// The kind of the message whose bytes are exactly `bytes`, if any.
    func kind(of bytes: UnsafeBufferPointer<UInt8>) -> TiKVLogEventKind? {
        let n = bytes.count
        guard n > 0, n < byLength.count, let base = bytes.baseAddress, let textBase = text.baseAddress else { return nil }
        for index in byLength[n] where memcmp(base, textBase + starts[index], n) == 0 { return kinds[index] }
        return nil
    }
}
