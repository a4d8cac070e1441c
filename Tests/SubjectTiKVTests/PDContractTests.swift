import Foundation
import OperatorCore
import Testing

@testable import SubjectTiKV

/// Decodes every PD contract fixture with exactly what the client runs, checking each quirk of
/// tikv-interfaces.md §1 is read correctly.
@Suite("PD contract fixtures")
struct PDContractTests {
    private func decode<T: Decodable>(_ type: T.Type, _ name: String, endpoint: String? = nil) throws -> T {
        try PDResponseDecoder.decode(
            T.self, status: 200, body: try Fixtures.data("pd/\(name).json"),
            endpoint: endpoint ?? "/pd/api/v1/\(name)", url: "http://fixture")
    }

    /// Fixture base name → a decode of that fixture with the endpoint's type.
    static let decoders: [String: @Sendable (Data, Int, String) throws -> Void] = [
        "health": { _ = try PDResponseDecoder.decode([PDMemberHealth].self, status: $1, body: $0, endpoint: $2, url: "u") },
        "members": { _ = try PDResponseDecoder.decode(PDMembers.self, status: $1, body: $0, endpoint: $2, url: "u") },
        "leader": { _ = try PDResponseDecoder.decode(PDMember.self, status: $1, body: $0, endpoint: $2, url: "u") },
        "status": { _ = try PDResponseDecoder.decode(PDStatus.self, status: $1, body: $0, endpoint: $2, url: "u") },
        "version": { _ = try PDResponseDecoder.decode(PDVersion.self, status: $1, body: $0, endpoint: $2, url: "u") },
        "stores": { _ = try PDResponseDecoder.decode(PDStores.self, status: $1, body: $0, endpoint: $2, url: "u") },
        "stores_check": { _ = try PDResponseDecoder.decode(PDStores.self, status: $1, body: $0, endpoint: $2, url: "u") },
        "store": { _ = try PDResponseDecoder.decode(PDStoreInfo.self, status: $1, body: $0, endpoint: $2, url: "u") },
        "stats_region": {
            _ = try PDResponseDecoder.decode(PDRegionStats.self, status: $1, body: $0, endpoint: $2, url: "u")
        },
        "regions_count": {
            _ = try PDResponseDecoder.decode(PDRegionsCount.self, status: $1, body: $0, endpoint: $2, url: "u")
        },
        "config_schedule": {
            _ = try PDResponseDecoder.decode(PDScheduleConfig.self, status: $1, body: $0, endpoint: $2, url: "u")
        },
        "config_replicate": {
            _ = try PDResponseDecoder.decode(PDReplicationConfig.self, status: $1, body: $0, endpoint: $2, url: "u")
        },
        "cluster": { _ = try PDResponseDecoder.decode(PDCluster.self, status: $1, body: $0, endpoint: $2, url: "u") },
        "cluster_status": {
            _ = try PDResponseDecoder.decode(PDClusterStatus.self, status: $1, body: $0, endpoint: $2, url: "u")
        },
    ]

    @Test("every JSON fixture has a decoder and decodes")
    func everyFixtureDecodes() throws {
        for file in try Fixtures.files(in: "pd") where file.hasSuffix(".json") {
            let name = String(file.dropLast(5))
            let body = try Fixtures.data("pd/\(file)")
            if name.hasPrefix("regions_check_") {
                let check = try #require(PDRegionCheck(rawValue: String(name.dropFirst("regions_check_".count))), "\(file)")
                let full = try PDResponseDecoder.decode(
                    PDRegionsInfo.self, status: 200, body: body, endpoint: PDAPI.regionsCheck(check).path, url: "u")
                let count = try PDResponseDecoder.decode(
                    PDRegionsCount.self, status: 200, body: body, endpoint: PDAPI.regionsCheck(check).path, url: "u")
                #expect(full.count == count.count)
                #expect(full.count == (full.regions?.count ?? 0), "\(file): count equals the listed regions")
                continue
            }
            let decoder = try #require(Self.decoders[name], "no decoder for fixture \(file)")
            try decoder(body, 200, "/pd/api/v1/\(name)")
        }
    }

    @Test("health: uint64 member ids beyond Int64.max, unhealthy member")
    func health() throws {
        let health = try decode([PDMemberHealth].self, "health")
        #expect(health.map(\.name) == ["pd1", "pd2", "pd3"])
        #expect(health[0].memberID == 15_980_934_438_217_023_866)
        #expect(health[2].memberID == 9_223_372_036_854_775_808)
        #expect(health.map(\.health) == [true, true, false])
    }

    @Test("members: leader, omitted leader_priority, cluster id")
    func members() throws {
        let m = try decode(PDMembers.self, "members")
        #expect(m.header?.clusterID == 7_637_715_636_087_433_014)
        #expect(m.members.count == 3)
        #expect(m.members[0].leaderPriority == nil)
        #expect(m.members[1].leaderPriority == 1)
        #expect(m.members[2].dcLocation == "global")
        #expect(m.leader?.name == "pd1")
        #expect(m.leader?.memberID == 15_980_934_438_217_023_866)
        #expect(m.etcdLeader?.clientURLs == ["http://pd1:2379"])
        let leader = try decode(PDMember.self, "leader")
        #expect(leader.name == "pd1")
        #expect(leader.binaryVersion == "v8.5.0")
    }

    @Test("stores: absent zero-value enums, state names, byte sizes old and new, Go durations, times in any zone")
    func stores() throws {
        let stores = try decode(PDStores.self, "stores")
        #expect(stores.count == 5)
        let byID = Dictionary(uniqueKeysWithValues: stores.stores.map { ($0.store.id, $0) })

        let up = try #require(byID[1])
        #expect(up.store.stateRaw == nil)
        #expect(up.store.state == .up)
        #expect(up.store.nodeState == .serving)
        #expect(up.store.effectiveStateName == "Up")
        #expect(up.status.capacity?.bytes == 311.7 * 1_073_741_824)
        #expect(up.status.usedSize?.bytes == 290.7 * 1_048_576)
        #expect(up.status.leaderCount == 17)
        #expect(up.status.regionScore == 127.39)
        #expect(up.status.slowScore == 1)
        #expect(abs((up.status.uptime?.seconds ?? 0) - 2180.480549971) < 1e-9)
        #expect(up.status.startTS?.date == Date(timeIntervalSince1970: 1_735_095_903))
        let heartbeat = try #require(up.status.lastHeartbeatTS?.date.timeIntervalSince1970)
        #expect(abs(heartbeat - 1_735_098_083.480549971) < 1e-6)
        #expect(up.store.lastHeartbeat == 1_735_098_083_480_549_971)
        #expect(abs((up.store.lastHeartbeatDate?.timeIntervalSince1970 ?? 0) - heartbeat) < 1e-6)
        #expect(up.store.statusAddress == "tikv1:20180")

        let disconnected = try #require(byID[2])
        #expect(disconnected.store.state == .up, "state is Up (absent); Disconnected is derived")
        #expect(disconnected.store.effectiveStateName == "Disconnected")
        #expect(disconnected.status.slowScore == 100)
        #expect(disconnected.status.networkSlowScore == ["1": 1, "3": 100])
        #expect(disconnected.status.isBusy == true)
        #expect(disconnected.status.pendingPeerCount == 4)
        // "+08:00" with 1 and 3 fraction digits.
        #expect(disconnected.status.startTS?.date == Date(timeIntervalSince1970: 1_735_095_903.5))
        #expect(disconnected.status.lastHeartbeatTS?.date == Date(timeIntervalSince1970: 1_735_098_003.012))

        let offline = try #require(byID[3])
        #expect(offline.store.state == .offline)
        #expect(offline.store.nodeState == .removing)
        #expect(offline.store.labelMap == ["zone": "z3", "host": "h3"])
        #expect(offline.status.capacity?.bytes == 41_875_931_136, "39 GiB: PD v3.x spelling with a space")
        #expect(offline.status.available?.bytes == 2.5 * 1_073_741_824)
        #expect(offline.status.lastHeartbeatTS?.date == Date(timeIntervalSince1970: 1_735_098_080))
        #expect(offline.store.peerAddress == nil)

        let down = try #require(byID[4])
        #expect(down.store.effectiveStateName == "Down")
        #expect(down.status.capacity?.bytes == 0)
        #expect(down.status.leaderCount == nil, "omitempty leader_count")

        let tiflash = try #require(byID[18_446_744_073_709_551_557])
        #expect(tiflash.store.isTiFlash)
        #expect(tiflash.store.nodeStateRaw == nil)
        #expect(tiflash.store.nodeState == .preparing)
        #expect(tiflash.store.statusAddress == nil)
        #expect(tiflash.status.capacity?.bytes == 1.023 * 1024)
        #expect(tiflash.status.available?.bytes == 1000)
        #expect(tiflash.status.startTS?.date.timeIntervalSince1970 == 1_735_098_000.000000001)

        let check = try decode(PDStores.self, "stores_check")
        #expect(Set(check.stores.map(\.store.effectiveStateName)) == ["Up", "Disconnected"])
        let single = try decode(PDStoreInfo.self, "store")
        #expect(single.store.id == 2)
    }

    @Test("Heartbeat age: seconds since PD's last_heartbeat_ts, unknown (not 0) when PD's clock runs ahead of ours")
    func heartbeatAge() throws {
        let single = try decode(PDStoreInfo.self, "store")
        let heartbeat = try #require(single.status.lastHeartbeatTS?.date ?? single.store.lastHeartbeatDate)
        let later = TiKVObserver.view(single, at: heartbeat.addingTimeInterval(42))
        #expect(abs((later.heartbeatAgeSeconds ?? -1) - 42) < 0.001)
        let skewed = TiKVObserver.view(single, at: heartbeat.addingTimeInterval(-30))
        #expect(skewed.heartbeatAgeSeconds == nil)
        #expect(skewed.lastHeartbeat == heartbeat)
    }

    @Test("regions: uint64 ids, omitted voter role, learner role, leader without id, count-only endpoint")
    func regions() throws {
        let count = try decode(PDRegionsCount.self, "regions_count")
        #expect(count.count == 1_000_000)
        let info = try decode(PDRegionsInfo.self, "regions_check_miss-peer")
        #expect(info.count == 2)
        let regions = try #require(info.regions)
        #expect(regions[0].peers?.map(\.role) == [0, 1])
        #expect(regions[0].peers?[1].isLearner == true)
        #expect(regions[0].downPeers?.first?.downSeconds == 640)
        #expect(regions[0].pendingPeers?.first?.storeID?.value == 4)
        #expect(regions[0].epoch?.confVer == 5)
        #expect(regions[1].id.value == 18_446_744_073_709_551_000)
        #expect(regions[1].leader?.id == nil)
        #expect(regions[1].leader?.roleName == "Voter")
        #expect(regions[1].epoch?.version == nil)
        #expect(regions[1].peers?[1].role == 2)
        #expect(regions[1].peers?[1].isWitness == true)
        #expect(regions[1].replicationStatus?.stateID == 3)
        let stats = try decode(PDRegionStats.self, "stats_region", endpoint: PDAPI.statsRegion.path)
        #expect(stats.count == 130)
        #expect(stats.leaderCountByStore == [1: 17, 3: 3])
        #expect(stats.storeEngine?["4"] == "tikv")
    }

    @Test("config: Go durations, booleans as strings, comma-joined labels; cluster status time with offset")
    func config() throws {
        let schedule = try decode(PDScheduleConfig.self, "config_schedule")
        #expect(schedule.maxStoreDownTime?.seconds == 1800)
        #expect(schedule.maxStorePreparingTime?.seconds == 172_800)
        #expect(schedule.patrolRegionInterval?.seconds == 0.01)
        #expect(schedule.lowSpaceRatio == 0.8)
        #expect(schedule.enableRemoveDownReplica?.value == true)
        #expect(schedule.haltScheduling?.value == false)
        #expect(schedule.leaderScheduleLimit == 4)
        let replicate = try decode(PDReplicationConfig.self, "config_replicate")
        #expect(replicate.maxReplicas == 3)
        #expect(replicate.locationLabelList == ["zone", "host"])
        #expect(replicate.strictlyMatchLabel?.value == false)
        #expect(replicate.enablePlacementRules?.value == true)
        let status = try decode(PDClusterStatus.self, "cluster_status")
        let expected = try #require(Timestamp.parse("2020-08-14T03:53:13.093351Z"))
        #expect(abs((status.raftBootstrapTime?.date.timeIntervalSince1970 ?? 0) - expected.timeIntervalSince1970) < 1e-6)
        #expect(status.isInitialized == true)
        #expect(status.replicationStatus == "")
        let cluster = try decode(PDCluster.self, "cluster")
        #expect(cluster.id == 7_637_715_636_087_433_014)
        #expect(cluster.maxPeerCount == 3)
        #expect(try decode(PDVersion.self, "version").version == "v8.5.0")
        #expect(try decode(PDStatus.self, "status").startTimestamp == 1_735_095_900)
    }

    private struct Expected: Decodable {
        var endpoint: String
        var status: Int
        var field: String?
        var code: String?
        var kind: String
    }

    @Test("every malformed variant gives an error naming the endpoint and the field, never a crash")
    func malformed() throws {
        let expectations = try JSONDecoder().decode(
            [String: Expected].self, from: try Fixtures.data("pd/malformed/expected.json"))
        let files = try Fixtures.files(in: "pd/malformed").filter { $0 != "expected.json" }
        #expect(Set(files) == Set(expectations.keys), "expected.json lists every malformed fixture")
        for file in files {
            let expected = try #require(expectations[file])
            let name = String(file[..<(file.range(of: "__")?.lowerBound ?? file.endIndex)])
            let decoder = try #require(Self.decoders[name], "no decoder for \(name)")
            let body = try Fixtures.data("pd/malformed/\(file)")
            do {
                try decoder(body, expected.status, expected.endpoint)
                Issue.record("\(file) decoded without error")
            } catch let error as PDClientError {
                #expect(error.endpoint == expected.endpoint, "\(file)")
                #expect(error.description.contains(expected.endpoint), "\(file): \(error)")
                switch (expected.kind, error.kind) {
                case ("malformed", .malformed(let field, _)):
                    #expect(field == expected.field, "\(file): \(error)")
                    #expect(error.description.contains("field \(expected.field ?? "?")"), "\(file): \(error)")
                case ("pd-error", .pdError(let code, let message)):
                    #expect(code == expected.code, "\(file)")
                    #expect(!message.isEmpty)
                    #expect(error.description.contains(expected.code ?? "?"), "\(file): \(error)")
                case ("empty", .emptyBody), ("html", .html), ("not-json", .notJSON):
                    break
                default:
                    Issue.record("\(file): expected \(expected.kind), got \(error.kind)")
                }
            }
        }
    }
}
