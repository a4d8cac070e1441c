import OperatorCore
import Testing

@testable import SubjectTiKV

@Suite("subjects.tikv settings")
struct SettingsTests {
    @Test("absent section: defaults")
    func defaults() throws {
        let s = try TiKVSettings(settings: .null)
        #expect(s.thresholds == TiKVThresholds())
        #expect(s.thresholds.lowSpaceRatio == 0.2)
        #expect(s.thresholds.slowScore == 80)
        #expect(s.thresholds.raftLogLagEntries == 5000)
        #expect(s.collection.prometheusRateWindow == "1m")
        let empty = try TiKVSettings(settings: [:])
        #expect(empty.thresholds == s.thresholds)
    }

    @Test("given values override defaults; others keep theirs")
    func overrides() throws {
        let s = try TiKVSettings(settings: [
            "low_space_ratio": 0.1, "latency_p99_seconds": 0.5, "replication_degraded_min_regions": 100,
            "prometheus_rate_window": "30s", "probe_status_endpoints": false,
        ])
        #expect(s.thresholds.lowSpaceRatio == 0.1)
        #expect(s.thresholds.latencyP99Seconds == 0.5)
        #expect(s.thresholds.replicationDegradedMinRegions == 100)
        #expect(s.thresholds.slowScore == 80)
        #expect(s.collection.prometheusRateWindow == "30s")
        #expect(s.collection.probeStatusEndpoints == false)
        let subject = try TiKVSubject(configuration: SubjectConfiguration(endpoints: ["http://127.0.0.1:1"], settings: ["low_space_ratio": 0.1]))
        let lowSpace = subject.invariants.first { $0.id == "store-low-space" } as? StoreLowSpaceInvariant
        #expect(lowSpace?.lowSpaceRatio == 0.1)
    }

    @Test("typos, wrong types and out-of-range values are errors naming the key")
    func errors() throws {
        let typo = #expect(throws: TiKVSettingsError.self) { try TiKVSettings(settings: ["low_space": 0.1]) }
        #expect(typo?.description.contains("unknown setting \"low_space\"") == true)
        #expect(typo?.description.contains("low_space_ratio") == true)
        let type = #expect(throws: TiKVSettingsError.self) { try TiKVSettings(settings: ["slow_score": "high"]) }
        #expect(type?.description.contains("slow_score") == true)
        let range = #expect(throws: TiKVSettingsError.self) { try TiKVSettings(settings: ["low_space_ratio": 1.5]) }
        #expect(range?.description.contains("low_space_ratio must be greater than 0 and at most 1") == true)
        let window = #expect(throws: TiKVSettingsError.self) { try TiKVSettings(settings: ["prometheus_rate_window": "1.5m"]) }
        #expect(window?.description.contains("prometheus_rate_window") == true)
        // Too long for a Duration: an error naming the key, not a trap (nor a silent 1 s) when the tick runs.
        let warmup = #expect(throws: TiKVSettingsError.self) { try TiKVSettings(settings: ["direct_scrape_warmup": "999999999999h"]) }
        #expect(warmup?.description.contains("direct_scrape_warmup") == true)
        let regions = #expect(throws: TiKVSettingsError.self) { try TiKVSettings(settings: ["region_count_max": 0]) }
        #expect(regions?.description.contains("region_count_max must be a whole number from 1 to 1000000000, got 0") == true)
        for bad: JSONValue in [2.5, 1e30, "many"] {
            let e = #expect(throws: TiKVSettingsError.self) { try TiKVSettings(settings: ["region_count_max": bad]) }
            #expect(e?.description.contains("region_count_max") == true, "\(bad): \(String(describing: e))")
        }
        #expect(try TiKVSettings(settings: ["region_count_max": 50_000]).thresholds.regionCountMax == 50_000)
        #expect(throws: TiKVSettingsError.self) { try TiKVSettings(settings: "not a mapping") }
        #expect(throws: TiKVSettingsError.self) {
            try TiKVSubject(configuration: SubjectConfiguration(endpoints: [], settings: ["cpu_quota_ratio": -1]))
        }
    }

    @Test("the sample configuration holds exactly the defaults")
    func sampleMatchesDefaults() throws {
        let url = Fixtures.directory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/SubjectTiKV/operator.sample.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        var values: [String: JSONValue] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("    ") && !line.contains("#") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            if let n = Double(parts[1]) { values[parts[0]] = .number(n) } else if parts[1] == "true" || parts[1] == "false" {
                values[parts[0]] = .bool(parts[1] == "true")
            } else { values[parts[0]] = .string(parts[1]) }
        }
        #expect(Set(values.keys) == Set(TiKVSettings.knownKeys))
        let parsed = try TiKVSettings(settings: .object(values))
        #expect(parsed == TiKVSettings())
    }

    @Test("registration: name, environment variable, default endpoint; building does no I/O")
    func registration() throws {
        let r = TiKVRegistration.registration
        #expect(r.name == "tikv")
        #expect(r.endpointsEnvironmentVariable == "PD_ENDPOINT")
        #expect(r.defaultEndpoints == ["http://127.0.0.1:2379"])
        #expect(r.deployments.keys.sorted() == ["compose"])
        #expect(r.defaultBackend == "compose")
        #expect(r.logParser is TiKVLogParser)
        let subject = try r.make(SubjectConfiguration(endpoints: r.defaultEndpoints))
        #expect(subject.name == "tikv")
        #expect(subject.invariantDescriptions.map(\.id) == TiKVInvariants.all(.init()).map(\.id))
        #expect(subject.invariantDescriptions.count == 15)
    }
}
