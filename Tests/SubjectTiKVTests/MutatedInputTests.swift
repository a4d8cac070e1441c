import Foundation
import OperatorCore
import OperatorTestSupport
import PrometheusClient
import Testing

@testable import SubjectTiKV

/// Thousands of deterministic mutations of PD's contract fixtures (numbers at 1e20, -1e20, huge integers,
/// `"NaN"` strings, type swaps, deletions, truncation) and of the PD and TiKV `/metrics` pages, each run
/// through the decoder `PDClient` uses and, when it decodes, into a snapshot that every invariant, the
/// status lines, causal links, evidence gathering and the offline rules then take. About 1 % of such
/// responses used to trap `operator check`; now none may.
@Suite("TiKV: mutated PD responses and metrics pages")
struct MutatedInputTests {
    /// How one fixture decodes and what it changes in a snapshot, as `TiKVObserver` applies it.
    struct FixtureUse {
        var file: String
        var endpoint: String
        var apply: @Sendable (Data, inout TiKVSnapshot) throws -> Void
    }

    static func decode<T>(_ endpoint: PDEndpoint<T>, _ body: Data) throws -> T {
        try PDResponseDecoder.decode(T.self, status: 200, body: body, endpoint: endpoint.path, url: "test")
    }

    static let uses: [FixtureUse] = [
        FixtureUse(file: "health.json", endpoint: PDAPI.health.path) { body, s in
            for entry in try decode(PDAPI.health, body) {
                s.pd.members.append(
                    PDMemberView(name: entry.name, memberID: String(entry.memberID.value), clientURLs: entry.clientURLs,
                        healthy: entry.health, isLeader: false))
            }
        },
        FixtureUse(file: "members.json", endpoint: PDAPI.members.path) { body, s in
            let m = try decode(PDAPI.members, body)
            s.clusterID = m.header?.clusterID.map { String($0.value) }
            s.pd.leader = m.leader?.name
            s.pd.members = m.members.map { member in
                PDMemberView(
                    name: member.name ?? "?", memberID: member.memberID.map { String($0.value) } ?? "",
                    clientURLs: member.clientURLs ?? [], healthy: nil, isLeader: member.name != nil && member.name == m.leader?.name)
            }
        },
        FixtureUse(file: "leader.json", endpoint: PDAPI.leader.path) { body, s in s.pd.leader = try decode(PDAPI.leader, body).name },
        FixtureUse(file: "status.json", endpoint: PDAPI.status.path) { body, _ in _ = try decode(PDAPI.status, body) },
        FixtureUse(file: "version.json", endpoint: PDAPI.version.path) { body, _ in _ = try decode(PDAPI.version, body) },
        FixtureUse(file: "stores.json", endpoint: PDAPI.stores.path) { body, s in
            s.stores = try decode(PDAPI.stores, body).stores.map { TiKVObserver.view($0, at: s.observedAt) }
        },
        FixtureUse(file: "stores_check.json", endpoint: PDAPI.storesCheck([.up]).path) { body, s in
            s.stores = try decode(PDAPI.storesCheck([.up]), body).stores.map { TiKVObserver.view($0, at: s.observedAt) }
        },
        FixtureUse(file: "store.json", endpoint: PDAPI.store(id: 1).path) { body, s in
            s.stores.append(TiKVObserver.view(try decode(PDAPI.store(id: 1), body), at: s.observedAt))
        },
        FixtureUse(file: "stats_region.json", endpoint: PDAPI.statsRegion.path) { body, _ in _ = try decode(PDAPI.statsRegion, body) },
        FixtureUse(file: "regions_count.json", endpoint: PDAPI.regionsCount.path) { body, s in
            s.regions?.total = try decode(PDAPI.regionsCount, body).count
        },
        FixtureUse(file: "config_schedule.json", endpoint: PDAPI.scheduleConfig.path) { body, s in
            s.maxStoreDownTimeSeconds = try decode(PDAPI.scheduleConfig, body).maxStoreDownTime?.seconds
        },
        FixtureUse(file: "config_replicate.json", endpoint: PDAPI.replicationConfig.path) { body, s in
            s.maxReplicas = try decode(PDAPI.replicationConfig, body).maxReplicas
        },
        FixtureUse(file: "cluster.json", endpoint: PDAPI.cluster.path) { body, _ in _ = try decode(PDAPI.cluster, body) },
        FixtureUse(file: "cluster_status.json", endpoint: PDAPI.clusterStatus.path) { body, _ in _ = try decode(PDAPI.clusterStatus, body) },
    ] + PDRegionCheck.allCases.map { check in
        FixtureUse(file: "regions_check_\(check.rawValue).json", endpoint: PDAPI.regionsCheck(check).path) { body, _ in
            _ = try decode(PDAPI.regionsCheck(check), body)
        }
    }

    /// The unmutated fixtures, applied in order, with the fixture pages' metrics: a realistic snapshot.
    static func baseSnapshot() throws -> TiKVSnapshot {
        var s = TiKVSnapshot(observedAt: Date(timeIntervalSince1970: 1_735_096_000), pdEndpoint: "http://pd")
        s.regions = RegionHealth(total: nil, counts: [:], source: "fixture")
        for use in uses { try use.apply(try Fixtures.data("pd/" + use.file), &s) }
        let page = ExpositionParser.parse(try Fixtures.text("tikv/metrics.txt"))
        for i in s.stores.indices { s.stores[i].metrics = TiKVMetricQueries.gauges(page) }
        return s
    }

    @Test("4,000 mutated PD bodies: decoded or rejected with an error naming the endpoint, never a trap")
    func mutatedPDBodies() async throws {
        let base = try Self.baseSnapshot()
        let fixtures = try Self.uses.map { ($0, try Fixtures.text("pd/" + $0.file)) }
        var mutator = JSONMutator(seed: 12)
        var decoded = 0
        var rejected = 0
        for iteration in 0..<4000 {
            // Thousands of CPU-bound iterations: give the shared cooperative pool back each time, so suites
            // running beside this one (loopback servers answering within a deadline) are not starved.
            await Task.yield()
            let (use, text) = fixtures[iteration % fixtures.count]
            let body = Data(mutator.mutate(text).utf8)
            var s = base
            do {
                try use.apply(body, &s)
                decoded += 1
                // Evaluating is the expensive half: every eighth decoded body goes all the way.
                if decoded % 8 == 0 { await TiKVRobustness.exercise(s, "\(use.file) #\(iteration): \(String(decoding: body.prefix(300), as: UTF8.self))") }
            } catch let error as PDClientError {
                rejected += 1
                #expect(error.description.contains(use.endpoint), "the error names the endpoint: \(error)")
            }
        }
        // Both halves must be exercised, or the test proves less than it claims.
        #expect(decoded > 400, "decoded \(decoded)")
        #expect(rejected > 400, "rejected \(rejected)")
    }

    @Test("2,000 mutated /metrics pages (PD leader and TiKV store): counts and gauges known, or named as malformed")
    func mutatedMetricsPages() async throws {
        let base = try Self.baseSnapshot()
        let pdPage = try Fixtures.text("pd/metrics.txt")
        let storePage = try Fixtures.text("tikv/metrics.txt")
        let previous = MetricsScrape(url: "store", scrapedAt: base.observedAt.addingTimeInterval(-10), page: ExpositionParser.parse(storePage))
        var mutator = MetricsPageMutator(seed: 1220)
        var malformedSeen = 0
        for iteration in 0..<2000 {
            // Thousands of CPU-bound iterations: give the shared cooperative pool back each time, so suites
            // running beside this one (loopback servers answering within a deadline) are not starved.
            await Task.yield()
            var s = base
            let pd = ExpositionParser.parse(mutator.mutate(pdPage))
            switch TiKVObserver.regionCounts(pd.sum("pd_regions_status", by: ["type"]), source: "pd") {
            case .success(let counts):
                s.regions = RegionHealth(total: s.regions?.total, counts: counts, source: "pd")
                for n in counts.values { #expect(n >= 0) }
            case .failure(let malformed):
                s.regions = nil
                s.regionsError = malformed.description
                #expect(malformed.description.contains("pd_regions_status{type="))
                malformedSeen += 1
            }
            let current = MetricsScrape(url: "store", scrapedAt: base.observedAt, page: ExpositionParser.parse(mutator.mutate(storePage)))
            let metrics = TiKVMetricQueries.directMetrics(previous: previous, current: current)
            for problem in metrics.malformed {
                #expect(["tikv_raftstore_region_count", "tikv_store_size_bytes", "process_start_time_seconds", "tikv_engine_write_stall"]
                    .contains { problem.contains($0) }, "\(problem)")
            }
            for value in [metrics.capacityBytes, metrics.availableBytes, metrics.usedBytes, metrics.leaderCount, metrics.regionCount,
                          metrics.processStartTimeSeconds, metrics.writeStallP99Seconds] {
                if let value { #expect(value.isFinite && value >= 0, "a kept gauge is a real quantity") }
            }
            for i in s.stores.indices { s.stores[i].metrics = metrics }
            if iteration % 4 == 0 { await TiKVRobustness.exercise(s, "metrics page #\(iteration)") }
        }
        #expect(malformedSeen > 100, "the mutations reach pd_regions_status (\(malformedSeen))")
    }
}
