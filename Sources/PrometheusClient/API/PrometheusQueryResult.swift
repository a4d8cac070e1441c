import Foundation

/// One `[unix_seconds, "value"]` pair of the Prometheus HTTP API. Values are strings on the wire so that
/// `"NaN"`, `"+Inf"` and `"-Inf"` survive JSON (etcd-prometheus-observed.md §B).
public struct PrometheusSamplePoint: Sendable, Hashable, Decodable {
    public var time: Date
    public var value: Double

    public init(time: Date, value: Double) {
        self.time = time
        self.value = value
    }

    public init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        let seconds = try c.decode(Double.self)
        let text = try c.decode(String.self)
        guard let v = SampleValueText.parse(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: c.codingPath, debugDescription: "sample value \"\(text)\" is not a number"))
        }
        time = Date(timeIntervalSince1970: seconds)
        value = v
    }

    // NaN samples must still compare equal to themselves in tests and sets.
    public static func == (a: PrometheusSamplePoint, b: PrometheusSamplePoint) -> Bool {
        a.time == b.time && a.value.bitPattern == b.value.bitPattern
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(time)
        hasher.combine(value.bitPattern)
    }
}

/// An instant-vector element: `{"metric": {...}, "value": [ts, "v"]}`.
public struct PrometheusVectorSample: Sendable, Hashable, Decodable {
    public var metric: LabelSet
    public var point: PrometheusSamplePoint

    public init(metric: LabelSet, point: PrometheusSamplePoint) {
        self.metric = metric
        self.point = point
    }

    public var value: Double { point.value }

    enum CodingKeys: String, CodingKey {
        case metric
        case point = "value"
    }
}

/// A range-vector series: `{"metric": {...}, "values": [[ts, "v"], ...]}`.
public struct PrometheusRangeSeries: Sendable, Hashable, Decodable {
    public var metric: LabelSet
    public var points: [PrometheusSamplePoint]

    public init(metric: LabelSet, points: [PrometheusSamplePoint]) {
        self.metric = metric
        self.points = points
    }

    enum CodingKeys: String, CodingKey {
        case metric
        case points = "values"
    }
}

/// The `data` of a query response, by `resultType`.
public enum PrometheusQueryResult: Sendable, Hashable, Decodable {
    case vector([PrometheusVectorSample])
    case matrix([PrometheusRangeSeries])
    case scalar(PrometheusSamplePoint)
    /// `[ts, "text"]`; the text is not a number.
    case string(time: Date, value: String)

    public var resultType: String {
        switch self {
        case .vector: "vector"
        case .matrix: "matrix"
        case .scalar: "scalar"
        case .string: "string"
        }
    }

    enum CodingKeys: String, CodingKey {
        case resultType, result
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.decode(String.self, forKey: .resultType)
        switch type {
        case "vector": self = .vector(try c.decode([PrometheusVectorSample].self, forKey: .result))
        case "matrix": self = .matrix(try c.decode([PrometheusRangeSeries].self, forKey: .result))
        case "scalar": self = .scalar(try c.decode(PrometheusSamplePoint.self, forKey: .result))
        case "string":
            var pair = try c.nestedUnkeyedContainer(forKey: .result)
            let seconds = try pair.decode(Double.self)
            self = .string(time: Date(timeIntervalSince1970: seconds), value: try pair.decode(String.self))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .resultType, in: c,
                debugDescription: "unknown resultType \"\(type)\" (expected vector, matrix, scalar or string)")
        }
    }
}
