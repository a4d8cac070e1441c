import Foundation
import Testing

/// A minimal reader of the Prometheus text format for assertions (the subject's own parser lives
/// in PrometheusClient; these tests check the simulator's output independently of it).
struct MetricsText {
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    var samples: [Sample] = []
    var types: [String: String] = [:]

    init(_ text: String) throws {
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = String(rawLine)
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                if parts.count >= 4 { types[String(parts[2])] = String(parts[3]) }
                continue
            }
            if line.hasPrefix("#") { continue }
            samples.append(try MetricsText.parseSample(line))
        }
    }

    static func parseSample(_ line: String) throws -> Sample {
        var name = ""
        var labels: [String: String] = [:]
        var rest = Substring(line)
        if let brace = rest.firstIndex(of: "{") {
            name = String(rest[..<brace])
            rest = rest[rest.index(after: brace)...]
            while !rest.hasPrefix("}") {
                let eq = try #require(rest.firstIndex(of: "="), "bad label in \(line)")
                let key = String(rest[..<eq]).trimmingCharacters(in: CharacterSet(charactersIn: ","))
                rest = rest[rest.index(eq, offsetBy: 2)...]
                var value = ""
                var escaped = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if escaped {
                        value.append(character == "n" ? "\n" : character)
                        escaped = false
                    } else if character == "\\" {
                        escaped = true
                    } else if character == "\"" {
                        break
                    } else {
                        value.append(character)
                    }
                }
                labels[key] = value
                if rest.hasPrefix(",") { rest = rest.dropFirst() }
            }
            rest = rest.dropFirst()
        } else {
            let space = try #require(rest.firstIndex(of: " "), "no value in \(line)")
            name = String(rest[..<space])
            rest = rest[space...]
        }
        let valueText = rest.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init) ?? ""
        let value: Double
        switch valueText {
        case "+Inf": value = .infinity
        case "-Inf": value = -.infinity
        case "NaN": value = .nan
        default: value = try #require(Double(valueText), "bad value in \(line)")
        }
        return Sample(name: name, labels: labels, value: value)
    }

    func values(_ name: String, _ matching: [String: String] = [:]) -> [Sample] {
        samples.filter { sample in
            sample.name == name && matching.allSatisfy { sample.labels[$0.key] == $0.value }
        }
    }

    func value(_ name: String, _ matching: [String: String] = [:]) throws -> Double {
        let found = values(name, matching)
        try #require(found.count == 1, "expected one \(name)\(matching), found \(found.count)")
        return found[0].value
    }

    func sum(_ name: String, _ matching: [String: String] = [:]) -> Double {
        values(name, matching).reduce(0) { $0 + $1.value }
    }

    var familyNames: Set<String> {
        Set(samples.map { sample in
            for suffix in ["_bucket", "_sum", "_count"] where sample.name.hasSuffix(suffix) {
                let base = String(sample.name.dropLast(suffix.count))
                if types[base] == "histogram" { return base }
            }
            return sample.name
        })
    }

    /// Cumulative `(le, count)` buckets of one histogram series, summed over the other labels.
    func buckets(_ name: String, _ matching: [String: String] = [:]) -> [(Double, Double)] {
        var byBound: [Double: Double] = [:]
        for sample in values(name + "_bucket", matching) {
            guard let le = sample.labels["le"] else { continue }
            let bound = le == "+Inf" ? Double.infinity : (Double(le) ?? .nan)
            byBound[bound, default: 0] += sample.value
        }
        return byBound.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}

/// Prometheus' `histogram_quantile` over the bucket increase between two scrapes.
func quantileOfIncrease(_ q: Double, before: [(Double, Double)], after: [(Double, Double)]) -> Double? {
    guard before.count == after.count, !after.isEmpty else { return nil }
    let deltas = zip(before, after).map { ($1.0, $1.1 - $0.1) }
    guard let total = deltas.last?.1, total > 0 else { return nil }
    let rank = q * total
    var previousBound = 0.0
    var previousCount = 0.0
    for (bound, count) in deltas {
        if count >= rank {
            if bound.isInfinite { return previousBound }
            return previousBound + (bound - previousBound) * (rank - previousCount) / max(count - previousCount, 1e-12)
        }
        previousBound = bound
        previousCount = count
    }
    return previousBound
}

func scrape(_ url: String) async throws -> MetricsText {
    let reply = try await httpGet(url + "/metrics")
    try #require(reply.status == 200, "GET \(url)/metrics answered \(reply.status)")
    return try MetricsText(reply.text)
}
