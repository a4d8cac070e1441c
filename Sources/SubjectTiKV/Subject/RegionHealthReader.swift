import Foundation
import OperatorCore
import PrometheusClient

/// Region health for one tick: the `/regions/check/<state>` counts PD's checker keeps (read from the first
/// bytes of each answer, on the ``RegionCheckSchedule``), and, with a Prometheus, `sum(pd_regions_status)
/// by (type)` as a cross-check. PD's own `/metrics` is never read: it runs to 165 MB on large clusters
/// and cannot be filtered (tikv-at-scale.md §1.5).
struct RegionHealthReader: Sendable {
    let pd: PDClient
    let schedule: RegionCheckSchedule
    let prometheus: PrometheusAPI?

    static let metricQuery = "sum(pd_regions_status) by (type)"

    /// The counts, or why there are none, and notes for `status` (a Prometheus that did not answer).
    /// `everyStoreUp` is false when PD's store list is unknown.
    func read(total: Int?, everyStoreUp: Bool, at now: Date) async -> (Result<RegionHealth, RegionHealthError>, notes: [String]) {
        async let metric = readMetric()
        var fresh: [PDRegionCheck: Int] = [:]
        var failures: [PDRegionCheck: PDClientError] = [:]
        var due: [PDRegionCheck] = []
        for check in RegionCheckSchedule.tickChecks {
            if await schedule.isDue(check, at: now, everyStoreUp: everyStoreUp) { due.append(check) }
        }
        let pd = self.pd
        await withTaskGroup(of: (PDRegionCheck, Result<Int, PDClientError>).self) { group in
            for check in due {
                group.addTask {
                    do throws(PDClientError) {
                        return (check, .success(try await pd.regionCheckCount(check)))
                    } catch {
                        return (check, .failure(error))
                    }
                }
            }
            for await (check, result) in group {
                switch result {
                case .success(let n): fresh[check] = n
                case .failure(let e): failures[check] = e
                }
            }
        }
        for (check, n) in fresh { await schedule.record(check, count: n, at: now) }

        var health = RegionHealth(total: total, counts: [:], source: (pd.currentEndpoint ?? "PD") + PDAPI.prefix + "/regions/check")
        var ages: [String: Double] = [:]
        var missing: [PDRegionCheck] = []
        for check in RegionCheckSchedule.tickChecks {
            if let n = fresh[check] {
                health.counts[check.rawValue] = n
            } else if let remembered = await schedule.remembered(check, at: now) {
                health.counts[check.rawValue] = remembered.count
                ages[check.rawValue] = max(0, now.timeIntervalSince(remembered.readAt))
            } else {
                missing.append(check)
            }
        }
        if !ages.isEmpty { health.ageSeconds = ages }

        let metricResult = await metric
        var metricNote: String?
        switch metricResult {
        case .counts(let counts)?: health.metricCounts = counts
        case .failed(let why)?: metricNote = why
        case nil: break
        }
        // Whatever /regions/check could not give, the metric may: named as such in the evidence.
        if let metricCounts = health.metricCounts {
            for check in missing {
                if let n = metricCounts[check.rawValue] {
                    health.counts[check.rawValue] = n
                    health.fromMetric = (health.fromMetric ?? []) + [check.rawValue]
                }
            }
            missing.removeAll { metricCounts[$0.rawValue] != nil }
            let disagreements = Self.disagreements(health)
            if !disagreements.isEmpty { health.disagreements = disagreements }
        }
        // A degrading state with no count at all leaves "no degraded regions" unprovable.
        let unknownDegrading = missing.filter { RegionHealth.degradingChecks.contains($0) }
        if !unknownDegrading.isEmpty {
            let reasons = unknownDegrading.map { check in
                "\(check.rawValue): " + (failures[check].map { "\($0)" } ?? "not read")
            }
            return (.failure(RegionHealthError(reasons: reasons + (metricNote.map { [$0] } ?? []))), [])
        }
        let notes = (health.disagreements ?? []) + (metricNote.map { ["region health cross-check unavailable: \($0)"] } ?? [])
        return (.success(health), notes)
    }

    /// States where both sources have a count and they differ. `/regions/check` reads PD's live maps;
    /// the gauge is refreshed every 10 s and reads 0 on PD in microservice mode (tikv-at-scale.md §1).
    static func disagreements(_ health: RegionHealth) -> [String] {
        guard let metric = health.metricCounts else { return [] }
        return RegionCheckSchedule.tickChecks.compactMap { check in
            guard health.fromMetric?.contains(check.rawValue) != true,
                let api = health.counts[check.rawValue], let gauge = metric[check.rawValue], api != gauge
            else { return nil }
            return "\(check.rawValue): /regions/check counts \(api), pd_regions_status{type=\"\(check.metricType)\"} says \(gauge); "
                + "using /regions/check (the gauge lags up to 10 s, and reads 0 on PD in microservice mode)"
        }
    }

    /// `sum(pd_regions_status) by (type)` by check state; nil without a Prometheus.
    private func readMetric() async -> MetricReading? {
        guard let prometheus else { return nil }
        let samples: [PrometheusVectorSample]
        do {
            samples = try await prometheus.queryVector(Self.metricQuery)
        } catch {
            return .failed("Prometheus \(Self.metricQuery): \(error)")
        }
        var byType: [LabelSet: Double] = [:]
        for s in samples { byType[s.metric] = s.value }
        if byType.isEmpty { return .failed("Prometheus at \(prometheus.baseURL) has no pd_regions_status series (is PD scraped?)") }
        switch TiKVObserver.regionCounts(byType, source: prometheus.baseURL) {
        case .success(let counts): return .counts(counts)
        case .failure(let malformed): return .failed("Prometheus \(Self.metricQuery): \(malformed)")
        }
    }
}

enum MetricReading: Sendable {
    case counts([String: Int])
    case failed(String)
}

/// Why a tick has no region health counts: each state that could not be counted, and why.
struct RegionHealthError: Error, CustomStringConvertible {
    var reasons: [String]
    var description: String { "could not count regions by state: " + reasons.joined(separator: "; ") }
}

