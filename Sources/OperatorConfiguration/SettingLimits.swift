import Foundation
import OperatorCore

/// The valid range of every numeric and duration setting, in one place, so a flag, an environment
/// variable and operator.yaml are held to the same bounds and fail with the same words.
public enum SettingLimits {
    /// Time between monitor ticks.
    public static let interval = DurationSetting(name: "interval", range: .milliseconds(100)...(.seconds(24 * 3600)))
    /// Budget for one observation.
    public static let tickTimeout = DurationSetting(name: "tick_timeout", range: .milliseconds(100)...(.seconds(24 * 3600)))
    /// Budget for one request to the cluster.
    public static let requestTimeout = DurationSetting(name: "request_timeout", range: .milliseconds(10)...(.seconds(3600)))
    /// Consecutive clean ticks before a ticket resolves.
    public static let resolveAfter = IntegerSetting(name: "resolve_after", range: 1...10_000)
    /// Consecutive ticks blind to part of the cluster before an `observation-degraded` ticket opens.
    public static let degradedAfter = IntegerSetting(name: "degraded_after", range: 1...10_000)
    /// Recurrences within the flap window that make an incident flapping.
    public static let flapThreshold = IntegerSetting(name: "flapping.threshold", range: 1...1_000)
    /// The window in which those recurrences count.
    public static let flapWindow = DurationSetting(name: "flapping.window", range: .seconds(1)...(.seconds(7 * 24 * 3600)))
    /// Quiet time after which a flapping incident's tickets resolve.
    public static let flapSettle = DurationSetting(name: "flapping.settle", range: .seconds(1)...(.seconds(7 * 24 * 3600)))
    /// Incidents diagnosed at once (`diagnose --concurrency`): each holds a model request open.
    public static let diagnosisConcurrency = IntegerSetting(name: "concurrency", range: 1...64)
    /// How long a replica's lease on a cluster lasts without renewal (renewed every third of it): how long
    /// a killed replica's clusters wait for another to take them.
    public static let leaseDuration = DurationSetting(name: "lease_duration", range: .seconds(1)...(.seconds(3600)))
    /// Port of the operator's own /metrics endpoint.
    public static let metricsPort = IntegerSetting(name: "metrics_port", range: 1...65535)
    /// Durations of harness commands (demo, eval, deploy waits, benchmarks): at most a week.
    public static func harnessDuration(_ name: String, minimum: Duration = .milliseconds(1)) -> DurationSetting {
        DurationSetting(name: name, range: minimum...(.seconds(7 * 24 * 3600)))
    }
}

/// A duration setting and the range it must lie in.
public struct DurationSetting: Sendable {
    public let name: String
    public let range: ClosedRange<Duration>

    public init(name: String, range: ClosedRange<Duration>) {
        self.name = name
        self.range = range
    }

    /// Parses `text` (e.g. `5s`) from `source` and checks the range.
    public func parse(_ text: String, from source: SettingSource) throws(ConfigurationError) -> Duration {
        let outOfRange = ConfigurationError(
            "\(source.description): \(text) is out of range for \(name); allowed \(DurationText.format(range.lowerBound))…\(DurationText.format(range.upperBound))"
        )
        let value: Duration
        do {
            value = try DurationText.duration(text)
        } catch let error as DurationText.ParseError {
            throw error.outOfRange ? outOfRange : ConfigurationError("\(source.description): \(error)")
        } catch {
            throw ConfigurationError("\(source.description): \(error)")
        }
        guard range.contains(value) else { throw outOfRange }
        return value
    }
}

/// A whole-number setting and the range it must lie in.
public struct IntegerSetting: Sendable {
    public let name: String
    public let range: ClosedRange<Int>

    public init(name: String, range: ClosedRange<Int>) {
        self.name = name
        self.range = range
    }

    public func check(_ value: Int, from source: SettingSource) throws(ConfigurationError) -> Int {
        if let problem = problem(with: value, from: source) { throw problem }
        return value
    }

    /// The error `check` would throw, for callers that report it their own way (ArgumentParser's `validate`).
    public func problem(with value: Int, from source: SettingSource) -> ConfigurationError? {
        range.contains(value)
            ? nil
            : ConfigurationError(
                "\(source.description): \(value) is out of range for \(name); allowed \(range.lowerBound)…\(range.upperBound)")
    }

    /// Parses decimal text (an environment variable) and checks the range.
    public func parse(_ text: String, from source: SettingSource) throws(ConfigurationError) -> Int {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw ConfigurationError(
                "\(source.description): \"\(text)\" is not a whole number; \(name) must be \(range.lowerBound)…\(range.upperBound)")
        }
        return try check(value, from: source)
    }
}

extension SettingLimits {
    /// Output tokens a model may write for one diagnosis: a bounded diagnosis needs about 1,000.
    public static let diagnosisMaxTokens = IntegerSetting(name: "diagnosis.max_tokens", range: 256...65_536)
    /// Budget of one model request (connect, first byte and body).
    public static let diagnosisRequestTimeout = DurationSetting(name: "diagnosis.request_timeout", range: .seconds(1)...(.seconds(3600)))
    /// Size of the context a model is given, in estimated tokens (JSON bytes / 4).
    public static let diagnosisContextTokens = IntegerSetting(name: "diagnosis.context_tokens", range: 500...1_000_000)
    /// Further attempts after a refused connection, 429, 529 or 5xx (a timed-out request is not retried).
    public static let diagnosisRetries = IntegerSetting(name: "diagnosis.retries", range: 0...10)
}
