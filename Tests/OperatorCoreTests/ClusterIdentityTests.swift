import Foundation
import GRDB
import Logging
import OperatorCore
import Prometheus
import Testing

/// Many clusters, one database: two clusters of the same subject never share a ticket, an incident, a
/// heartbeat series, a diagnosis runner or a metrics series.
@Suite("Cluster identity")
struct ClusterIdentityTests {
    func monitor(
        _ cluster: FakeCluster, named name: String, _ store: SQLiteTicketStore, board: ClusterStatusBoard? = nil,
        registry: PrometheusCollectorRegistry? = nil
    ) -> MonitorService<FakeSubject> {
        MonitorService(
            subject: FakeSubject(cluster: cluster), store: store,
            configuration: MonitorConfiguration(interval: .milliseconds(10), cluster: name), logger: Logger(label: "test"),
            metricsFactory: registry.map { PrometheusMetricsFactory(registry: $0) }, board: board)
    }

    @Test func twoClustersOfTheSameSubjectWithTheSameViolationGetTwoTicketsAndTwoIncidents() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let eastNodes = FakeCluster(), westNodes = FakeCluster()
        eastNodes.kill("n2")
        westNodes.kill("n2")
        let east = monitor(eastNodes, named: "east", store)
        let west = monitor(westNodes, named: "west", store)
        var failures = 0
        for n in 1...3 {
            _ = try #require(await east.runTick(number: n, consecutiveFailures: &failures))
            _ = try #require(await west.runTick(number: n, consecutiveFailures: &failures))
        }

        let tickets = try await store.tickets(.all)
        #expect(tickets.count == 2, "one ticket per cluster, not one shared")
        #expect(Set(tickets.map(\.cluster)) == ["east", "west"])
        #expect(tickets.allSatisfy { $0.subject == "fake" && $0.key == ViolationKey(invariant: "node-down", entity: "node:n2") })
        #expect(tickets.allSatisfy { $0.occurrences == 3 }, "each cluster's ticket counts its own ticks")
        let incidents = try await store.incidents(.all)
        #expect(incidents.count == 2)
        #expect(Set(incidents.map(\.cluster)) == ["east", "west"])
        for incident in incidents {
            let members = try await store.tickets(TicketFilter(incidentID: incident.id))
            #expect(members.map(\.cluster) == [incident.cluster], "an incident holds only its own cluster's tickets")
        }
        #expect(try await store.tickets(TicketFilter(cluster: "east")).map(\.cluster) == ["east"])
        #expect(try await store.incidents(IncidentFilter(cluster: "west")).map(\.cluster) == ["west"])
        #expect(try await store.heartbeats(cluster: "east", subject: "fake", limit: 100).count == 3)
        #expect(try await store.heartbeats(cluster: "west", subject: nil, limit: 100).allSatisfy { $0.cluster == "west" })

        // East recovers: its ticket resolves, west's stays open.
        eastNodes.revive("n2")
        for n in 4...6 { _ = await east.runTick(number: n, consecutiveFailures: &failures) }
        #expect(try await store.tickets(TicketFilter(cluster: "east")).first?.status == .resolved)
        #expect(try await store.tickets(TicketFilter(cluster: "west")).first?.status == .created)
        #expect(try await store.heartbeats(cluster: "east", subject: "fake", limit: 1).first?.openTickets == 0)
        #expect(try await store.heartbeats(cluster: "west", subject: "fake", limit: 1).first?.openTickets == 1)
    }

    @Test func eachRunnerClaimsOnlyItsOwnClustersIncidents() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let eastNodes = FakeCluster(), westNodes = FakeCluster()
        eastNodes.kill("n1")
        westNodes.kill("n3")
        var failures = 0
        _ = await monitor(eastNodes, named: "east", store).runTick(number: 1, consecutiveFailures: &failures)
        _ = await monitor(westNodes, named: "west", store).runTick(number: 1, consecutiveFailures: &failures)

        let eastRunner = DiagnosisRunner(
            subject: FakeSubject(cluster: eastNodes), store: store, diagnoser: OfflineDiagnoser(rules: FakeKnowledge(cluster: eastNodes).rules),
            configuration: .init(cluster: "east"), logger: Logger(label: "test"))
        let outcomes = await eastRunner.diagnosePending()
        #expect(outcomes.count == 1)
        let eastID = try #require(outcomes.first).incidentID
        let diagnosed = try #require(try await store.incident(id: eastID))
        #expect(diagnosed.cluster == "east")
        #expect(diagnosed.diagnosis?.rootCause.entity == "node:n1")
        let westIncident = try #require(try await store.incidents(IncidentFilter(cluster: "west")).first)
        #expect(westIncident.diagnosis == nil, "east's runner left west's incident alone")
        #expect(await eastRunner.diagnosePending().isEmpty)

        let westRunner = DiagnosisRunner(
            subject: FakeSubject(cluster: westNodes), store: store, diagnoser: OfflineDiagnoser(rules: FakeKnowledge(cluster: westNodes).rules),
            configuration: .init(cluster: "west"), logger: Logger(label: "test"))
        #expect(await westRunner.diagnosePending().map(\.incidentID) == [westIncident.id])
        #expect(try await store.incident(id: westIncident.id)?.diagnosis?.rootCause.entity == "node:n3")
        // Each stored diagnosis row names its incident's cluster.
        let rows = try await DatabaseQueue(path: db.path).read { db in
            try String.fetchAll(db, sql: "SELECT cluster FROM diagnosis ORDER BY id")
        }
        #expect(rows == ["east", "west"])
    }

    @Test func theBoardHoldsEachClustersLatestTickAndItsState() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let board = ClusterStatusBoard()
        let healthyNodes = FakeCluster(), brokenNodes = FakeCluster(), blindNodes = FakeCluster()
        let healthy = monitor(healthyNodes, named: "healthy", store, board: board)
        let broken = monitor(brokenNodes, named: "broken", store, board: board)
        let blind = monitor(blindNodes, named: "blind", store, board: board)
        #expect(await board.all().isEmpty, "nothing before a tick")
        #expect(await board.status(cluster: "healthy") == nil)

        brokenNodes.kill("n2")
        blindNodes.failObservations("connection refused by http://user:secret@10.0.0.9:2379")
        var failures = 0
        _ = await healthy.runTick(number: 1, consecutiveFailures: &failures)
        _ = await broken.runTick(number: 1, consecutiveFailures: &failures)
        _ = await blind.runTick(number: 1, consecutiveFailures: &failures)

        #expect(await board.all().map(\.cluster) == ["blind", "broken", "healthy"])
        let ok = try #require(await board.status(cluster: "healthy"))
        #expect(ok.state == .healthy)
        #expect(ok.subject == "fake" && ok.tick == 1 && ok.violations == 0 && ok.error == nil)
        #expect(ok.evaluated == ["node-down", "quorum-lost", "slow-node"])
        #expect(ok.skipped.keys.sorted() == ["no-data"], "skipped with its reason: \(ok.skipped)")
        let down = try #require(await board.status(cluster: "broken"))
        #expect(down.state == .degraded)
        #expect(down.violations == 1)
        let dark = try #require(await board.status(cluster: "blind"))
        #expect(dark.state == .unobservable)
        #expect(dark.evaluated.isEmpty)
        #expect(dark.error?.contains("connection refused") == true)

        // A partial view (a failed source) is not healthy.
        healthyNodes.failMetrics("http://10.0.0.1:9090 answered 503")
        _ = await healthy.runTick(number: 2, consecutiveFailures: &failures)
        let partial = try #require(await board.status(cluster: "healthy"))
        #expect(partial.tick == 2)
        #expect(partial.state == .degraded)
        #expect(partial.degradedReason?.contains("10.0.0.1:9090") == true)

        let json = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder.operatorEncoder.encode(partial)) as? [String: Any])
        #expect(Set(json.keys) == [
            "cluster", "subject", "tick", "started_at", "duration_ms", "evaluated", "skipped", "violations", "error",
            "degraded_reason", "state",
        ])
        #expect(json["state"] as? String == "degraded")
    }

    @Test func monitorMetricsCarryTheClusterLabel() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let registry = PrometheusCollectorRegistry()
        let eastNodes = FakeCluster(), westNodes = FakeCluster()
        westNodes.kill("n1")
        var failures = 0
        _ = await monitor(eastNodes, named: "east", store, registry: registry).runTick(number: 1, consecutiveFailures: &failures)
        _ = await monitor(westNodes, named: "west", store, registry: registry).runTick(number: 1, consecutiveFailures: &failures)
        let text = registry.emitToString()
        #expect(text.contains(#"operator_violations{cluster="east",subject="fake"} 0"#), "\(text)")
        #expect(text.contains(#"operator_violations{cluster="west",subject="fake"} 1"#), "\(text)")
        #expect(text.contains(#"operator_ticks_total{cluster="west",subject="fake"} 1"#))
    }
}
