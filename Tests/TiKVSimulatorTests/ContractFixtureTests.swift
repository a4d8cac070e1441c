import Foundation
import Testing
@testable import TiKVSimulator

/// The simulator's JSON against the PD client's contract fixtures (`Tests/SubjectTiKVTests/
/// Fixtures`, written from tikv-interfaces.md by the TiKV subject's author and checked out here
/// read-only), so the simulator and the client cannot drift apart: every field both have must have
/// the same JSON type, and every field the fixtures always carry (PD's non-`omitempty` fields) must
/// be in the simulator's answer.
@Suite("Contract: simulator vs PD fixtures")
struct ContractFixtureTests {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SubjectTiKVTests/Fixtures")

    /// Go `omitempty` fields (tikv-interfaces.md §1): a fixture may show them, PD may leave them out.
    static let omitEmpty: Set<String> = [
        // metapb.Store / StoreStatus
        "state", "labels", "physically_destroyed", "node_state", "peer_address", "status_address", "learner_count",
        "witness_count", "pending_peer_count", "slow_score", "network_slow_score", "slow_trend", "sending_snap_count",
        "receiving_snap_count", "is_busy", "start_ts", "last_heartbeat_ts", "uptime", "pause_leader_transfer_in",
        "pause_leader_transfer_out", "leader_count",
        // pdpb.Member
        "leader_priority", "dc_location", "deploy_path", "binary_version", "git_hash",
        // RegionInfo, MetaPeer
        "epoch", "conf_ver", "version", "peers", "down_peers", "pending_peers", "buckets", "bucket_version",
        "replication_status", "role", "is_learner", "is_witness", "id", "store_id",
        // GetMembersResponse, RegionStats
        "tso_allocator_leaders", "store_write_bytes", "store_write_keys", "store_write_query", "store_leader_read_bytes",
        "store_leader_read_keys", "store_leader_read_query", "store_peer_read_bytes", "store_peer_read_keys",
        "store_peer_read_query", "store_engine",
    ]

    indirect enum Shape: Decodable {
        case null, bool, number, string
        case array([Shape])
        case object([String: Shape])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if (try? container.decode(Bool.self)) != nil {
                self = .bool
            } else if (try? container.decode(Double.self)) != nil {
                self = .number
            } else if (try? container.decode(String.self)) != nil {
                self = .string
            } else if let array = try? container.decode([Shape].self) {
                self = .array(array)
            } else {
                self = .object(try container.decode([String: Shape].self))
            }
        }

        var typeName: String {
            switch self {
            case .null: return "null"
            case .bool: return "bool"
            case .number: return "number"
            case .string: return "string"
            case .array: return "array"
            case .object: return "object"
            }
        }
    }

    /// Types seen at each path, and for each object path the keys every instance has. Map keys that
    /// are ids (`"1"`, `"18446744073709551557"`) collapse to `{id}`.
    struct Paths {
        var types: [String: Set<String>] = [:]
        var alwaysKeys: [String: Set<String>] = [:]

        init(_ shape: Shape) { visit(shape, "$") }

        mutating func visit(_ shape: Shape, _ path: String) {
            types[path, default: []].insert(shape.typeName)
            switch shape {
            case .array(let items):
                for item in items { visit(item, path + "[]") }
            case .object(let fields):
                let keys = Set(fields.keys.map { UInt64($0) == nil ? $0 : "{id}" })
                alwaysKeys[path] = alwaysKeys[path].map { $0.intersection(keys) } ?? keys
                for (key, value) in fields { visit(value, path + "." + (UInt64(key) == nil ? key : "{id}")) }
            default:
                break
            }
        }
    }

    func fixture(_ name: String) throws -> Shape {
        let url = Self.fixtures.appendingPathComponent("pd/" + name)
        return try JSONDecoder().decode(Shape.self, from: Data(contentsOf: url))
    }

    /// Differences between the simulator's answer and a fixture, as readable lines.
    func compare(simulator: Shape, fixture: Shape, name: String) -> [String] {
        let mine = Paths(simulator)
        let theirs = Paths(fixture)
        var problems: [String] = []
        for (path, types) in mine.types {
            guard let expected = theirs.types[path] else { continue }
            let concrete = types.subtracting(["null"])
            if !concrete.isEmpty, !concrete.isSubset(of: expected) {
                problems.append("\(name) \(path): simulator writes \(types.sorted()), fixture \(expected.sorted())")
            }
        }
        for (path, keys) in theirs.alwaysKeys {
            guard let mineKeys = mine.alwaysKeys[path] else { continue }
            for key in keys.subtracting(Self.omitEmpty).subtracting(["{id}"]) where !mineKeys.contains(key) {
                problems.append("\(name) \(path): fixture always has \"\(key)\", the simulator does not")
            }
        }
        return problems
    }

    @Test("Every PD route's JSON matches the fixture's keys and types")
    func routes() async throws {
        try await withSimulator { simulator, endpoints in
            let routes: [(String, String)] = [
                ("health.json", "/pd/api/v1/health"), ("members.json", "/pd/api/v1/members"),
                ("leader.json", "/pd/api/v1/leader"), ("status.json", "/pd/api/v1/status"),
                ("version.json", "/pd/api/v1/version"), ("stores.json", "/pd/api/v1/stores"),
                ("stores_check.json", "/pd/api/v1/stores/check?state=up&state=disconnected"),
                ("store.json", "/pd/api/v1/store/2"), ("stats_region.json", "/pd/api/v1/stats/region"),
                ("regions_count.json", "/pd/api/v1/regions/count"), ("config_schedule.json", "/pd/api/v1/config/schedule"),
                ("config_replicate.json", "/pd/api/v1/config/replicate"), ("cluster.json", "/pd/api/v1/cluster"),
                ("cluster_status.json", "/pd/api/v1/cluster/status"),
            ] + ["down-peer", "pending-peer", "offline-peer", "extra-peer", "learner-peer", "empty-region"].map {
                ("regions_check_\($0).json", "/pd/api/v1/regions/check/\($0)")
            }
            var problems: [String] = []
            for (file, path) in routes {
                let reply = try await httpGet(endpoints.pd + path)
                #expect(reply.status == 200, "\(path) answered \(reply.status)")
                problems += compare(simulator: try reply.decode(Shape.self), fixture: try fixture(file), name: file)
            }
            // Regions with down and pending peers, and regions short of a peer, against the rich fixture.
            try await simulator.inject(.storeDown, entity: "store:2")
            try await simulator.advanceClock(bySeconds: 620)
            let regionFixture = try fixture("regions_check_miss-peer.json")
            let downPeers = try await httpGet(endpoints.pd + "/pd/api/v1/regions/check/down-peer")
            problems += compare(simulator: try downPeers.decode(Shape.self), fixture: regionFixture, name: "down-peer vs regions_check_miss-peer.json")
            try await simulator.advanceClock(bySeconds: 1_800)
            let missPeers = try await httpGet(endpoints.pd + "/pd/api/v1/regions/check/miss-peer")
            #expect(try missPeers.object()["count"] as? Int == 30)
            problems += compare(simulator: try missPeers.decode(Shape.self), fixture: regionFixture, name: "regions_check_miss-peer.json")
            let stores = try await httpGet(endpoints.pd + "/pd/api/v1/stores")
            problems += compare(simulator: try stores.decode(Shape.self), fixture: try fixture("stores.json"), name: "stores.json (store Down)")
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        }
    }

    @Test("Error bodies match the fixtures' PD error strings")
    func errorBodies() async throws {
        try await withSimulator { _, endpoints in
            let expected = try String(contentsOf: Self.fixtures.appendingPathComponent("pd/malformed/store__not_found.json"), encoding: .utf8)
            let reply = try await httpGet(endpoints.pd + "/pd/api/v1/store/7")
            #expect(reply.status == 404)
            #expect(try reply.json() as? String == (try JSONSerialization.jsonObject(with: Data(expected.utf8), options: .fragmentsAllowed) as? String))
        }
    }

    @Test("Metric families and label names match the fixtures' TiKV and PD /metrics pages")
    func metrics() async throws {
        try await withSimulator { _, endpoints in
            let pairs: [(String, String)] = [
                ("tikv/metrics.txt", try endpoints.statusURL(ofStore: 1)),
                ("pd/metrics.txt", endpoints.pdURLs[2]),
            ]
            for (file, url) in pairs {
                let fixture = try MetricsText(String(contentsOf: Self.fixtures.appendingPathComponent(file), encoding: .utf8))
                let served = try await scrape(url)
                // PD exports Go runtime metrics too; the simulator has no Go runtime to report.
                for family in fixture.familyNames.sorted() where !family.hasPrefix("go_") {
                    #expect(served.familyNames.contains(family), "\(file): \(family) missing")
                    #expect(fixture.types[family] == served.types[family], "\(file): \(family) type \(served.types[family] ?? "-") vs \(fixture.types[family] ?? "-")")
                    let fixtureLabels = Set(fixture.samples.filter { $0.name.hasPrefix(family) }.flatMap(\.labels.keys))
                    let servedLabels = Set(served.samples.filter { $0.name.hasPrefix(family) }.flatMap(\.labels.keys))
                    #expect(fixtureLabels == servedLabels, "\(file): \(family) labels \(servedLabels.sorted()) vs \(fixtureLabels.sorted())")
                    let fixtureTypes = Set(fixture.samples.filter { $0.name == family }.compactMap { $0.labels["type"] })
                    let servedTypes = Set(served.samples.filter { $0.name == family }.compactMap { $0.labels["type"] })
                    if family != "tikv_grpc_msg_fail_total", family != "tikv_pd_heartbeat_message_total" {
                        #expect(fixtureTypes.isSubset(of: servedTypes), "\(file): \(family) type values \(fixtureTypes.subtracting(servedTypes).sorted()) missing")
                    }
                }
            }
        }
    }
}
