import Foundation
import OperatorCore

/// When each of serve's monitors started each tick, as `GET /api/v1/clusters` reports it (`ticks`,
/// `last_tick_at`, `state`), read often enough to see every tick (more than twice per interval).
///
/// A monitor schedules its next tick one interval after the last one started (`MonitorConfiguration.delay`):
/// how much later than that a tick started is its lateness — time lost to a busy process (the tick itself
/// overrunning the interval, the cooperative pool slow to wake the sleeping monitor), which grows with the
/// number of clusters one process watches.
struct ClusterTickLog: Sendable {
    /// One cluster's latest tick in one answer.
    struct Sample: Sendable, Equatable {
        var cluster: String
        var tick: Int
        var startedAt: Date
        var state: String
        /// The whole tick, observation and write (`last_tick_duration_ms`).
        var durationSeconds: Double? = nil
    }

    /// cluster → tick number → (start, state, duration).
    private(set) var ticks: [String: [Int: (start: Date, state: String, duration: Double?)]] = [:]

    mutating func record(_ samples: [Sample]) {
        for sample in samples { ticks[sample.cluster, default: [:]][sample.tick] = (sample.startedAt, sample.state, sample.durationSeconds) }
    }

    /// How long each tick started in `window` took: a tick longer than the interval makes the next one late
    /// by the difference, whatever the process's load (slow answers from the cluster count here).
    func durations(in window: ClosedRange<Date>) -> [Double] {
        ticks.values.flatMap { $0.values.filter { window.contains($0.start) }.compactMap(\.duration) }
    }

    /// Ticks started in `window`, over every cluster.
    func tickCount(in window: ClosedRange<Date>) -> Int {
        ticks.values.reduce(0) { $0 + $1.values.filter { window.contains($0.start) }.count }
    }

    /// Ticks started in `window` whose state was not `healthy` (the simulated clusters are healthy: such a
    /// tick timed out or could not see everything).
    func unhealthyCount(in window: ClosedRange<Date>) -> Int {
        ticks.values.reduce(0) { $0 + $1.values.filter { window.contains($0.start) && $0.state != "healthy" }.count }
    }

    /// The lateness of every tick started in `window` whose predecessor was seen too, in seconds: start(k+1)
    /// − start(k) − interval. Never below zero (the times have millisecond precision).
    func lateness(interval: Duration, in window: ClosedRange<Date>) -> [Double] {
        var out: [Double] = []
        for byTick in ticks.values {
            for (number, tick) in byTick where window.contains(tick.start) {
                guard let previous = byTick[number - 1] else { continue }
                out.append(max(0, tick.start.timeIntervalSince(previous.start) - interval.seconds))
            }
        }
        return out
    }

    /// Ticks that were missed between reads (a cluster's number moved by more than one): their starts are
    /// unknown, so their lateness is not counted.
    func gaps(in window: ClosedRange<Date>) -> Int {
        var missing = 0
        for byTick in ticks.values {
            let numbers = byTick.filter { window.contains($0.value.start) }.keys.sorted()
            for (a, b) in zip(numbers, numbers.dropFirst()) where b > a + 1 { missing += b - a - 1 }
        }
        return missing
    }

    /// The clusters of one `GET /api/v1/clusters` answer that have completed a tick.
    static func samples(from body: Data) throws(BenchmarkError) -> [Sample] {
        struct Row: Decodable {
            var name: String
            var state: String
            var ticks: Int
            var lastTickAt: String?
            var lastTickDurationMs: Int?

            enum CodingKeys: String, CodingKey {
                case name, state, ticks
                case lastTickAt = "last_tick_at"
                case lastTickDurationMs = "last_tick_duration_ms"
            }
        }
        let rows: [Row]
        do { rows = try JSONDecoder().decode([Row].self, from: body) } catch {
            throw BenchmarkError.failed("GET /api/v1/clusters answered something else than the API's cluster list: \(error)")
        }
        return rows.compactMap { row in
            guard row.ticks > 0, let text = row.lastTickAt, let start = Timestamp.parse(text) else { return nil }
            return Sample(
                cluster: row.name, tick: row.ticks, startedAt: start, state: row.state,
                durationSeconds: row.lastTickDurationMs.map { Double($0) / 1000 })
        }
    }
}
