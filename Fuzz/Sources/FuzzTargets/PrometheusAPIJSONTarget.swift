import Foundation
import OperatorCore
import PrometheusClient

/// Prometheus HTTP API `data` objects through the decoders `PrometheusAPI` uses: a query result (vector,
/// matrix, scalar, string) or the targets list; the first byte picks which. Decoded times are then
/// written as the program writes them (`Timestamp.format`), since a time of 1e300 seconds is valid JSON.
public enum PrometheusAPIJSONTarget {
    public static let decoderNames = ["query_result", "targets"]

    public static func run(_ input: Data) {
        guard let selector = input.first else { return }
        let body = Data(input.dropFirst())
        let decoder = JSONDecoder()
        if Int(selector) % decoderNames.count == 0 {
            guard let result = try? decoder.decode(PrometheusQueryResult.self, from: body) else { return }
            switch result {
            case .vector(let samples):
                for s in samples.prefix(64) { write(s.point) }
            case .matrix(let series):
                for s in series.prefix(16) { for p in s.points.prefix(64) { write(p) } }
            case .scalar(let point):
                write(point)
            case .string(let time, _):
                _ = Timestamp.format(time)
            }
        } else {
            guard let targets = try? decoder.decode(PrometheusTargets.self, from: body) else { return }
            _ = String(describing: targets)
        }
    }

    static func write(_ point: PrometheusSamplePoint) {
        _ = Timestamp.format(point.time)
        _ = SampleValueText.format(point.value)
    }
}
