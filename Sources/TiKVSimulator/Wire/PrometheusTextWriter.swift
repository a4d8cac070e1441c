/// Writes the Prometheus text exposition format (version 0.0.4), as TiKV's and PD's `/metrics` do.
struct PrometheusTextWriter {
    private(set) var text = ""

    init() {
        text.reserveCapacity(32_768)
    }

    mutating func family(_ name: String, type: String, help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{"
            for (index, (key, labelValue)) in labels.enumerated() {
                if index > 0 { text += "," }
                text += key + "=\"" + PrometheusTextWriter.escape(labelValue) + "\""
            }
            text += "}"
        }
        text += " " + GoFormat.number(value) + "\n"
    }

    /// Counters of whole events print without fractions and, floored, never decrease.
    mutating func count(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        sample(name, labels, value.rounded(.down))
    }

    /// `_bucket{…,le=}` (cumulative, `+Inf` last), `_sum`, `_count` — `le` is the last label, as the
    /// Rust prometheus crate writes it.
    ///
    /// Bucket counts are expected counts (observations × probability), printed to a thousandth
    /// rather than floored to whole observations: flooring each bucket on its own makes the tail
    /// buckets cross integers at other moments than `_count`, which shows up as phantom
    /// observations in `+Inf` over a short window and ruins `histogram_quantile` on deltas.
    mutating func histogram(_ name: String, _ labels: [(String, String)] = [], _ histogram: HistogramAccumulator) {
        for (index, bound) in histogram.bounds.enumerated() {
            thousandths(name + "_bucket", labels + [("le", GoFormat.number(bound))], histogram.buckets[index])
        }
        thousandths(name + "_bucket", labels + [("le", "+Inf")], histogram.count)
        sample(name + "_sum", labels, histogram.sum)
        thousandths(name + "_count", labels, histogram.count)
    }

    /// Floored to 0.001, so values never decrease and `+Inf` equals `_count` exactly.
    private mutating func thousandths(_ name: String, _ labels: [(String, String)], _ value: Double) {
        sample(name, labels, (value * 1_000).rounded(.down) / 1_000)
    }

    static func escape(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }
}
