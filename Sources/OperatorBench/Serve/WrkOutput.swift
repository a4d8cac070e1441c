import Foundation

/// What one `wrk --latency` run printed, read back from its text (wrk 4.x has no machine-readable output
/// without a Lua script). Times are seconds, sizes bytes.
///
/// ```
/// Running 10s test @ http://127.0.0.1:9400/api/v1/incidents?limit=50
///   2 threads and 8 connections
///   Thread Stats   Avg      Stdev     Max   +/- Stdev
///     Latency     1.23ms  456.00us  12.34ms   89.00%
///     Req/Sec     4.12k   234.56     5.00k    70.00%
///   Latency Distribution
///      50%    1.10ms
///      99%    3.20ms
///   82345 requests in 10.00s, 123.45MB read
///   Socket errors: connect 0, read 0, write 0, timeout 0
///   Non-2xx or 3xx responses: 12
/// Requests/sec:   8234.50
/// Transfer/sec:     12.34MB
/// ```
public struct WrkOutput: Encodable, Sendable, Equatable {
    public var requests: Int
    public var durationSeconds: Double
    public var requestsPerSecond: Double
    public var latencyMeanSeconds: Double
    public var latencyMaxSeconds: Double
    /// The latency distribution's percentiles (`50` → seconds), as `--latency` prints them.
    public var percentiles: [Int: Double]
    public var transferBytesPerSecond: Double?
    /// Socket errors (connect + read + write + timeout); wrk omits the line when all are zero.
    public var socketErrors: Int
    public var timeouts: Int
    /// Responses outside 2xx/3xx; wrk omits the line when there were none.
    public var non2xxResponses: Int

    public var p50Seconds: Double? { percentiles[50] }
    public var p99Seconds: Double? { percentiles[99] }

    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// Reads wrk's report; a report without the latency distribution (wrk run without `--latency`) or
    /// without `Requests/sec` is an error quoting what was there.
    public static func parse(_ text: String) throws(ParseError) -> WrkOutput {
        var requests: Int?
        var duration: Double?
        var rate: Double?
        var mean: Double?
        var max: Double?
        var percentiles: [Int: Double] = [:]
        var transfer: Double?
        var socketErrors = 0
        var timeouts = 0
        var non2xx = 0
        var inDistribution = false
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
            guard let first = words.first else { continue }
            if first == "Latency", words.count >= 4 {
                mean = seconds(words[1])
                max = seconds(words[3])
                inDistribution = false
            } else if line == "Latency Distribution" {
                inDistribution = true
            } else if inDistribution, first.hasSuffix("%"), words.count >= 2, let p = Double(first.dropLast()), let value = seconds(words[1]) {
                // 50.000% in wrk2's spelling; wrk prints 50%.
                if let whole = Int(exactly: p.rounded()), abs(p - p.rounded()) < 1e-9 { percentiles[whole] = value }
            } else if words.count >= 4, words[1] == "requests", words[2] == "in" {
                inDistribution = false
                requests = Int(first)
                duration = seconds(words[3].trimmingCharacters(in: CharacterSet(charactersIn: ",")))
            } else if line.hasPrefix("Socket errors:") {
                // Socket errors: connect 0, read 0, write 0, timeout 0
                for part in line.dropFirst("Socket errors:".count).split(separator: ",") {
                    let pair = part.split(whereSeparator: \.isWhitespace)
                    guard pair.count == 2, let n = Int(pair[1]) else { continue }
                    socketErrors += n
                    if pair[0] == "timeout" { timeouts = n }
                }
            } else if line.hasPrefix("Non-2xx or 3xx responses:") {
                non2xx = Int(line.dropFirst("Non-2xx or 3xx responses:".count).trimmingCharacters(in: .whitespaces)) ?? 0
            } else if first == "Requests/sec:", words.count >= 2 {
                rate = Double(words[1])
            } else if first == "Transfer/sec:", words.count >= 2 {
                transfer = bytes(words[1])
            }
        }
        guard let rate, rate.isFinite else {
            throw ParseError(description: "wrk printed no `Requests/sec:` line: \(excerpt(text))")
        }
        guard percentiles[50] != nil, percentiles[99] != nil else {
            throw ParseError(description: "wrk printed no latency distribution with 50% and 99% (run it with --latency): \(excerpt(text))")
        }
        guard let requests, let duration, let mean, let max else {
            throw ParseError(description: "wrk's report lacks the request count or the latency line: \(excerpt(text))")
        }
        return WrkOutput(
            requests: requests, durationSeconds: duration, requestsPerSecond: rate, latencyMeanSeconds: mean, latencyMaxSeconds: max,
            percentiles: percentiles, transferBytesPerSecond: transfer, socketErrors: socketErrors, timeouts: timeouts,
            non2xxResponses: non2xx)
    }

    /// wrk's time units: `us`, `ms`, `s`, `m`, `h` (a bare number is seconds).
    static func seconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [("us", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let n = Double(text.dropLast(suffix.count)), n.isFinite, n >= 0 else { return nil }
            return n * scale
        }
        guard let n = Double(text), n.isFinite, n >= 0 else { return nil }
        return n
    }

    /// wrk's sizes: `512.00B`, `1.20KB`, `12.34MB`, `1.00GB` (binary multiples, as wrk computes them).
    static func bytes(_ text: String) -> Double? {
        let units: [(String, Double)] = [("KB", 1024), ("MB", 1_048_576), ("GB", 1_073_741_824), ("TB", 1_099_511_627_776), ("B", 1)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let n = Double(text.dropLast(suffix.count)), n.isFinite, n >= 0 else { return nil }
            return n * scale
        }
        return nil
    }

    private static func excerpt(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? "(no output)" : "\"\(trimmed.prefix(400))\""
    }

    enum CodingKeys: String, CodingKey {
        case requests
        case durationSeconds = "duration_seconds"
        case requestsPerSecond = "requests_per_second"
        case latencyMeanSeconds = "latency_mean_seconds"
        case latencyMaxSeconds = "latency_max_seconds"
        case p50Seconds = "p50_seconds"
        case p99Seconds = "p99_seconds"
        case percentiles = "percentile_seconds"
        case transferBytesPerSecond = "transfer_bytes_per_second"
        case socketErrors = "socket_errors"
        case timeouts
        case non2xxResponses = "non_2xx_responses"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(requests, forKey: .requests)
        try c.encode(durationSeconds, forKey: .durationSeconds)
        try c.encode(requestsPerSecond, forKey: .requestsPerSecond)
        try c.encode(latencyMeanSeconds, forKey: .latencyMeanSeconds)
        try c.encode(latencyMaxSeconds, forKey: .latencyMaxSeconds)
        try c.encode(p50Seconds, forKey: .p50Seconds)
        try c.encode(p99Seconds, forKey: .p99Seconds)
        // "50", "75", "90", "99": JSON keys are strings.
        try c.encode(Dictionary(uniqueKeysWithValues: percentiles.map { ("\($0.key)", $0.value) }), forKey: .percentiles)
        try c.encode(transferBytesPerSecond, forKey: .transferBytesPerSecond)
        try c.encode(socketErrors, forKey: .socketErrors)
        try c.encode(timeouts, forKey: .timeouts)
        try c.encode(non2xxResponses, forKey: .non2xxResponses)
    }
}
