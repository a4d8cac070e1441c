import Foundation

/// The metric families a reader needs from a page: samples of other families are skipped before they are
/// parsed, so a large page (a TiKV store's thousands of series) costs its bytes, not a model of every sample.
///
/// A sample is kept when its name starts with one of the families (so `_bucket`, `_sum`, `_count` and
/// `_total` series come along). Lines that do not start with a well-formed metric name are still parsed,
/// so a page that is not the text format is still reported as such.
public struct MetricFamilyFilter: Sendable {
    /// Every family's bytes, one after another: one buffer, so checking a line retains nothing (this runs on
    /// every line of a 1.3 MB page, and was an eighth of a tick's CPU as an array per family).
    private let bytes: [UInt8]
    private let ranges: [Range<Int>]
    /// Whether some family starts with this byte (every byte, when a family is empty).
    private let firstBytes: [Bool]

    public init(families: [String]) {
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        var firstBytes = [Bool](repeating: false, count: 256)
        for family in families {
            let start = bytes.count
            bytes.append(contentsOf: family.utf8)
            ranges.append(start..<bytes.count)
            if let first = family.utf8.first {
                firstBytes[Int(first)] = true
            } else {
                firstBytes = [Bool](repeating: true, count: 256)
            }
        }
        self.bytes = bytes
        self.ranges = ranges
        self.firstBytes = firstBytes
    }

    /// Whether the sample line starting at `start` (its metric name) should be parsed.
    func keeps(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var i = start
        while i < end, Self.isNameByte(b[i], first: i == start) { i += 1 }
        guard i > start else { return true }  // not a metric name: let the parser report it
        if i < end, b[i] != UInt8(ascii: "{"), b[i] != UInt8(ascii: " "), b[i] != UInt8(ascii: "\t") { return true }
        guard firstBytes[Int(b[start])], let line = b.baseAddress else { return false }
        let length = i - start
        return bytes.withUnsafeBufferPointer { families in
            for range in ranges where range.count <= length {
                guard let family = families.baseAddress, !range.isEmpty else { return true }
                if memcmp(line + start, family + range.lowerBound, range.count) == 0 { return true }
            }
            return false
        }
    }

    private static func isNameByte(_ c: UInt8, first: Bool) -> Bool {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"), UInt8(ascii: ":"):
            return true
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return !first
        default:
            return false
        }
    }
}
