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

    /// Counter-like values are whole observations: counts print without fractions and, being
    /// floored, never decrease between scrapes.
    mutating func count(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        sample(name, labels, value.rounded(.down))
    }

    /// `_bucket{…,le=}` (cumulative, `+Inf` last), `_sum`, `_count` — `le` is the last label, as the
    /// Rust prometheus crate writes it.
    mutating func histogram(_ name: String, _ labels: [(String, String)] = [], _ histogram: HistogramAccumulator) {
        for (index, bound) in histogram.bounds.enumerated() {
            count(name + "_bucket", labels + [("le", GoFormat.number(bound))], histogram.buckets[index])
        }
        count(name + "_bucket", labels + [("le", "+Inf")], histogram.count)
        sample(name + "_sum", labels, histogram.sum)
        count(name + "_count", labels, histogram.count)
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
