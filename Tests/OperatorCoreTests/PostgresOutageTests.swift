import Foundation
import Logging
import OperatorCore
import OperatorTestSupport
import ServiceLifecycle
import TicketStorePostgres
import Testing

/// PostgreSQL going away under a running monitor: the monitor logs it, keeps observing, holds the ticks it
/// could not write and writes them once the server is back: nothing is lost and nothing is duplicated.
@Suite("PostgreSQL outage under a monitor")
struct PostgresOutageTests {
    @Test func aServerStoppedAndStartedUnderTheMonitorLosesNoTickAndDuplicatesNoTicket() async throws {
        let server = try await TestPostgres.start()
        defer { server.stopAndRemove() }
        let database = try await server.createDatabase()
        let location = try PostgresLocation(url: server.url(database: database), environment: ["PGPASSWORD": server.password])
        let store = try await PostgresTicketStore.open(location, maximumConnections: 2, connectionWait: .seconds(3))
        let cluster = FakeCluster()
        let reports = MonitorServiceTests.Reports()
        let logs = CapturedLogs()
        let monitor = MonitorService(
            subject: FakeSubject(cluster: cluster), store: store,
            configuration: MonitorConfiguration(
                interval: .milliseconds(50), policy: TicketPolicy(resolveAfterAbsentTicks: 3), maxBackoff: .milliseconds(200)),
            logger: logs.logger(), onTick: { reports.append($0) })
        let group = ServiceGroup(services: [monitor], logger: Logger(label: "test"))

        try await withHangGuard(limit: .seconds(240)) {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                defer { tasks.cancelAll() }
                cluster.kill("n2")
                try await Self.waitFor { try await store.tickets(.open).map(\.entity) == ["node:n2"] }

                try await server.stopServer()
                // Observed while the server is down: only in the monitor's memory.
                cluster.kill("n3")
                try await Self.waitFor { logs.all.contains { $0.level == .error && $0.message == "recording failed" } }
                let failedAt = reports.count
                try await Self.waitFor { reports.count >= failedAt + 3 }  // it keeps ticking

                try await server.startAgain()
                // n3's ticket was observed during the outage (and, two of three nodes down, quorum's).
                try await Self.waitFor {
                    Set((try? await store.tickets(.open).map(\.entity)) ?? []).isSuperset(of: ["node:n2", "node:n3"])
                }
                await group.triggerGracefulShutdown()
                try await tasks.next()
            }
        }

        let failure = try #require(logs.all.first { $0.message == "recording failed" })
        #expect(failure.metadata["db"] == location.description, "the log names the database")
        #expect(!(failure.metadata["db"] ?? "").contains(server.password) && !(failure.metadata["error"] ?? "").contains(server.password))
        #expect(failure.metadata["error"]?.contains("kept in memory and retried") == true)
        let tickets = try await store.tickets(.all)
        #expect(Set(tickets.map(\.entity)).isSuperset(of: ["node:n2", "node:n3"]))
        #expect(
            tickets.count == Set(tickets.map { "\($0.invariant) \($0.entity)" }).count,
            "one ticket per problem, no duplicate from a retried write: \(tickets.map(\.entity))")
        #expect(try await store.heartbeats(subject: "fake", limit: 100_000).count == reports.count, "every tick written, none twice")
        await store.close()
    }

    /// Polls `condition` (a hang guard bounds the whole test).
    static func waitFor(_ condition: @Sendable () async throws -> Bool) async throws {
        while try await !condition() { try await Task.sleep(for: .milliseconds(50)) }
    }
}
