import Foundation
import Logging
import OperatorCore
import OperatorServer
import OperatorTestSupport
import ServiceLifecycle
import Synchronization
import Testing

/// A replica's API over real HTTP: `/readyz` waits for its first lease round and then only for the
/// clusters it watches; `/api/v1/clusters` names the replica holding each cluster's lease; `/healthz`
/// says who this replica is and what it runs.
@Suite("HTTP API of a serve replica")
struct ReplicaAPITests {
    static func served(_ name: String) -> ServedCluster {
        ServedCluster(name: name, subject: "tikv", diagnosers: ["offline"]) { id, diagnoser in
            DiagnosisAttempt(incidentID: id, diagnoser: diagnoser, diagnosis: nil, error: "not in this test")
        }
    }

    @Test("readyz waits for the first lease round and the watched cluster's tick, not for the cluster another replica holds")
    func replicaViews() async throws {
        let directory = try TemporaryDirectory(prefix: "operator-replica-api")
        defer { directory.remove() }
        let store = try SQLiteTicketStore(path: directory.file("operator.db"))
        let board = ClusterStatusBoard()
        let logger = Logger(label: "replica-api-test")
        // Replica b holds `other` (and is live), so a's share is one: it takes `mine`.
        let now = Date()
        _ = try await store.acquireLease(LeaseName.replica("b"), holder: "b", duration: .seconds(600), now: now)
        _ = try await store.acquireLease(LeaseName.cluster("other"), holder: "b", duration: .seconds(600), now: now)
        // The role stands in for the monitor: it publishes one tick, then runs until stopped.
        let mine = LeasedRole(lease: LeaseName.cluster("mine"), shared: true) {
            await board.publish(ClusterTickStatus(
                cluster: "mine", subject: "tikv", tick: 1, startedAt: Date(), durationMs: 5, evaluated: ["store-down"], skipped: [:],
                violations: 0, error: nil, degradedReason: nil, state: .healthy))
            try await Task.sleep(for: .seconds(3600))
        }
        let other = LeasedRole(lease: LeaseName.cluster("other"), shared: true) { try await Task.sleep(for: .seconds(3600)) }
        let coordinator = LeaseCoordinator(
            store: store, roles: [mine, other], configuration: .init(replica: "a", duration: .seconds(600)), logger: logger)
        let routes = APIRoutes(
            store: store, clusters: [Self.served("mine"), Self.served("other")], board: board, metricsText: { "" }, logger: logger,
            leases: .init(store: store, replica: coordinator.board))
        let bound = Mutex<Int?>(nil)
        let server = APIServer.application(
            routes: routes, access: AccessPolicy(token: nil, tokenRequiredForReads: false), listen: .init(host: "127.0.0.1", port: 0),
            logger: logger
        ) { _, port in bound.withLock { $0 = port } }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [server], logger: logger))
        let running = Task { try await group.run() }
        defer { running.cancel() }
        try await withHangGuard(limit: .seconds(60)) {
            while bound.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        let base = "http://127.0.0.1:\(try #require(bound.withLock { $0 }))"

        let early = try await LiveAPI.call(.GET, base + "/readyz")
        #expect(early.status == 503)
        #expect(try early.error().detail.contains("has not tried its leases"), "\(early.text)")

        try await coordinator.round()
        try await withHangGuard(limit: .seconds(120)) {
            while try await LiveAPI.call(.GET, base + "/readyz").status != 200 { try await Task.sleep(for: .milliseconds(20)) }
        }
        let ready = try await LiveAPI.call(.GET, base + "/readyz").object()
        #expect(ready["replica"] as? String == "a")
        #expect(ready["watching"] as? [String] == ["mine"])
        #expect(ready["clusters"] as? [String] == ["mine", "other"])

        let clusters = try await LiveAPI.call(.GET, base + "/api/v1/clusters").array()
        let watchers = Dictionary(uniqueKeysWithValues: clusters.compactMap { cluster -> (String, [String: Any])? in
            guard let name = cluster["name"] as? String, let by = cluster["watched_by"] as? [String: Any] else { return nil }
            return (name, by)
        })
        #expect(watchers["mine"]?["replica"] as? String == "a")
        #expect(watchers["other"]?["replica"] as? String == "b")
        let expiry = try #require(watchers["mine"]?["expires_at"] as? String)
        #expect(Timestamp.parse(expiry).map { $0 > Date() } == true, "\(expiry)")
        #expect(clusters.first { $0["name"] as? String == "other" }?["state"] as? String == "pending")

        await coordinator.stopExpired(at: .now + .seconds(3600))
        await group.triggerGracefulShutdown()
        _ = try? await running.value
    }
}
