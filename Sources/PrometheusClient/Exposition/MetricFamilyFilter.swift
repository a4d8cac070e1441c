/// The metric families a reader needs from a page: samples of other families are skipped before they are
/// parsed, so a large page (a TiKV store's thousands of series) costs its bytes, not a model of every sample.
///
/// A sample is kept when its name starts with one of the families (so `_bucket`, `_sum`, `_count` and
/// `_total` series come along). Lines that do not start with a well-formed metric name are still parsed,
/// so a page that is not the text format is still reported as such.
public struct MetricFamilyFilter: Sendable {
    let prefixes: [[UInt8]]

    public init(families: [String]) {
        prefixes = families.map { Array($0.utf8) }
    }

    /// Whether the sample line starting at `start` (its metric name) should be parsed.
    func keeps(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var i = start
        while i < end, Self.isNameByte(b[i], first: i == start) { i += 1 }
        guard i > start else { return true }  // not a metric name: let the parser report it
        if i < end, b[i] != UInt8(ascii: "{"), b[i] != UInt8(ascii: " "), b[i] != UInt8(ascii: "\t") { return true }
        let length = i - start
        for prefix in prefixes where prefix.count <= length {
            var matches = true
            for k in 0..<prefix.count where b[start + k] != prefix[k] {
                matches = false
                break
            }
            if matches { return true }
        }
        return false
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
