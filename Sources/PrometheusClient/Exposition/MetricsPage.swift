/// One sample line of a metrics page: `name{labels} value [timestamp]`.
public struct MetricSample: Sendable, Hashable {
    public var name: String
    public var labels: LabelSet
    public var value: Double
    /// Milliseconds since the Unix epoch, when the exporter wrote one (rare).
    public var timestampMilliseconds: Int64?

    public init(name: String, labels: LabelSet = [:], value: Double, timestampMilliseconds: Int64? = nil) {
        self.name = name
        self.labels = labels
        self.value = value
        self.timestampMilliseconds = timestampMilliseconds
    }

    // NaN != NaN would make a sample unequal to itself; compare bit patterns instead.
    public static func == (a: MetricSample, b: MetricSample) -> Bool {
        a.name == b.name && a.labels == b.labels && a.value.bitPattern == b.value.bitPattern
            && a.timestampMilliseconds == b.timestampMilliseconds
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(labels)
        hasher.combine(value.bitPattern)
        hasher.combine(timestampMilliseconds)
    }
}

/// The `# TYPE` of a metric family.
public enum MetricType: String, Sendable, Hashable, CaseIterable {
    case counter, gauge, histogram, summary, untyped
}

/// A line the parser could not read. Never fatal: the rest of the page still counts.
public struct ExpositionIssue: Sendable, Hashable, CustomStringConvertible {
    /// 1-based line number on the page.
    public var line: Int
    public var reason: String
    /// The start of the offending line (at most 120 characters), for the message.
    public var text: String

    public init(line: Int, reason: String, text: String) {
        self.line = line
        self.reason = reason
        self.text = text
    }

    public var description: String { "line \(line): \(reason): \(text)" }
}

/// A parsed metrics page (Prometheus text exposition format 0.0.4), with lookups by name and labels.
public struct MetricsPage: Sendable {
    public private(set) var samples: [MetricSample] = []
    /// `# TYPE` per family name (`tikv_grpc_msg_duration_seconds`, not `..._bucket`).
    public private(set) var types: [String: MetricType] = [:]
    /// `# HELP` per family name, unescaped.
    public private(set) var help: [String: String] = [:]
    /// Lines that could not be read, with their line numbers.
    public private(set) var issues: [ExpositionIssue] = []
    /// Lines on the page, blank and comment lines included.
    public internal(set) var lineCount = 0
    private var indexByName: [String: [Int]] = [:]
    /// The last sample name parsed: the next sample usually has the same one (a histogram's buckets).
    private var lastName = ""

    public init() {}

    /// The name spelled by `bytes`, sharing the storage of an equal name already on the page: a page keeps
    /// one copy of each name, not one per sample (a long name is a heap allocation of its own).
    mutating func sharedName(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let sameAsLast = lastName.utf8.count == bytes.count
            && lastName.utf8.withContiguousStorageIfAvailable { $0.elementsEqual(bytes) } == true
        if sameAsLast { return lastName }
        var name = String(decoding: bytes, as: UTF8.self)
        if let index = indexByName.index(forKey: name) { name = indexByName.keys[index] }
        lastName = name
        return name
    }

    mutating func append(_ sample: MetricSample) {
        indexByName[sample.name, default: []].append(samples.count)
        samples.append(sample)
    }

    mutating func setType(_ type: MetricType, for family: String) { types[family] = type }
    mutating func setHelp(_ text: String, for family: String) { help[family] = text }
    mutating func record(_ issue: ExpositionIssue) { issues.append(issue) }

    /// Distinct sample names on the page, sorted.
    public var sampleNames: [String] { indexByName.keys.sorted() }

    /// Whether any sample of this exact name is on the page.
    public func contains(_ name: String) -> Bool { indexByName[name] != nil }

    /// The declared type of the family a sample name belongs to: `foo_bucket`, `foo_sum` and `foo_count`
    /// belong to histogram or summary `foo`.
    public func type(ofSample name: String) -> MetricType? {
        if let t = types[name] { return t }
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            if let t = types[String(name.dropLast(suffix.count))], t == .histogram || t == .summary { return t }
        }
        return nil
    }

    /// Samples with this name whose labels satisfy every matcher.
    public func samples(named name: String, matching matchers: [LabelMatcher] = []) -> [MetricSample] {
        guard let indices = indexByName[name] else { return [] }
        return indices.lazy.map { samples[$0] }.filter { matchers.matchAll($0.labels) }
    }

    public func samples(named name: String, labels: LabelSet) -> [MetricSample] {
        samples(named: name, matching: [LabelMatcher](labels))
    }

    /// The value of the first series with this name and labels (a subset match), or `nil`.
    public func value(_ name: String, _ labels: LabelSet = [:]) -> Double? {
        samples(named: name, labels: labels).first?.value
    }

    /// `sum(name{matchers}) by (labels)`: one entry per distinct combination of the `by` labels.
    /// Absent labels are left out of the key, as Prometheus does.
    public func sum(_ name: String, matching matchers: [LabelMatcher] = [], by labels: [String] = []) -> [LabelSet: Double]
    {
        var out: [LabelSet: Double] = [:]
        for s in samples(named: name, matching: matchers) {
            out[s.labels.projected(onto: labels), default: 0] += s.value
        }
        return out
    }

    /// `sum(name{matchers})`, or `nil` when no series matches.
    public func total(_ name: String, matching matchers: [LabelMatcher] = []) -> Double? {
        let matched = samples(named: name, matching: matchers)
        return matched.isEmpty ? nil : matched.reduce(0) { $0 + $1.value }
    }

    /// `max(name{matchers}) by (labels)`.
    public func max(_ name: String, matching matchers: [LabelMatcher] = [], by labels: [String] = []) -> [LabelSet: Double]
    {
        var out: [LabelSet: Double] = [:]
        for s in samples(named: name, matching: matchers) {
            let key = s.labels.projected(onto: labels)
            out[key] = Swift.max(out[key] ?? -.infinity, s.value)
        }
        return out
    }

    /// Cumulative buckets of histogram `name` (the family name, without `_bucket`) summed by the `by` labels.
    public func buckets(
        ofHistogram name: String, matching matchers: [LabelMatcher] = [], by labels: [String] = []
    ) -> [LabelSet: [HistogramBucket]] {
        var sums: [LabelSet: [Double: Double]] = [:]
        for s in samples(named: name + "_bucket", matching: matchers) {
            guard let le = s.labels["le"].flatMap(SampleValueText.parse) else { continue }
            sums[s.labels.projected(onto: labels), default: [:]][le, default: 0] += s.value
        }
        return sums.mapValues { HistogramBucket.sorted($0) }
    }

    /// `histogram_quantile(q, sum(name_bucket{matchers}) by (le, labels))` over the cumulative counts since
    /// the process started.
    public func histogramQuantile(
        _ q: Double, ofHistogram name: String, matching matchers: [LabelMatcher] = [], by labels: [String] = []
    ) -> [LabelSet: Double] {
        buckets(ofHistogram: name, matching: matchers, by: labels).mapValues {
            HistogramQuantile.quantile(q, buckets: $0)
        }
    }
}

extension Dictionary where Key == String, Value == String {
    /// Only the given labels, dropping absent and empty ones.
    public func projected(onto names: [String]) -> LabelSet {
        var out: LabelSet = [:]
        for n in names { if let v = self[n], !v.isEmpty { out[n] = v } }
        return out
    }
}
