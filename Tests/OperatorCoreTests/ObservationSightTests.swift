import OperatorTestSupport
import Foundation
import Logging
import OperatorCore
import Testing

/// The verdict rule and the monitor's `observation-degraded` ticket, on the fake subject.
@Suite("Never healthy when blind")
struct ObservationSightTests {
    static let metricsDown = "Prometheus at http://127.0.0.1:9/api/v1/query: connection refused"

    @Test func warmUpAloneLeavesTheVerdictHealthyButASourceFailureMakesItUnknown() async throws {
        let cluster = FakeCluster()
        let subject = FakeSubject(cluster: cluster)
        let quiet = try await subject.check()
        #expect(quiet.skipped.keys.sorted() == ["no-data"], "a benign skip is still listed")
        #expect(quiet.verdict == .healthy)
        #expect(!quiet.isBlind)

        cluster.failMetrics(Self.metricsDown)
        let blind = try await subject.check()
        #expect(blind.verdict == .unknown)
        #expect(blind.failedSources == [Self.metricsDown])
        #expect(blind.skippedCritical.isEmpty)

        cluster.kill("n2")
        #expect(try await subject.check().verdict == .violations, "violations win over blindness")
    }

    @Test func theMonitorOpensObservationDegradedAfterNBlindTicksAndResolvesWhenTheSourceIsBack() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let cluster = FakeCluster()
        let logs = CapturedLogs()
        let monitor = MonitorService(
            subject: FakeSubject(cluster: cluster), store: store,
            configuration: MonitorConfiguration(interval: .milliseconds(10), degradedAfter: 3), logger: logs.logger())
        var failures = 0
        func degraded() async throws -> [Ticket] {
            try await store.tickets(.open).filter { $0.invariant == ObservationDegraded.invariantID }
        }

        _ = await monitor.runTick(number: 1, consecutiveFailures: &failures)
        cluster.failMetrics(Self.metricsDown)
        for tick in 2...3 {
            let report = try #require(await monitor.runTick(number: tick, consecutiveFailures: &failures))
            #expect(report.degraded?.contains("http://127.0.0.1:9") == true)
            #expect(try await degraded().isEmpty)
        }
        _ = await monitor.runTick(number: 4, consecutiveFailures: &failures)
        let ticket = try #require(try await degraded().first)
        #expect(ticket.entity == .cluster && ticket.severity == .warning)
        #expect(ticket.message.contains(Self.metricsDown))
        let warnings = logs.all.filter { $0.level == .warning && $0.message.hasPrefix("observation degraded") }
        #expect(warnings.count == 3, "one warning per blind tick")
        #expect(warnings.allSatisfy { $0.metadata["reason"]?.contains("http://127.0.0.1:9") == true })
        let beats = try await store.heartbeats(subject: "fake", limit: 10)
        #expect(beats.map { $0.error?.contains("observation degraded") == true } == [true, true, true, false])

        // The partial outage becomes total: observation-failed opens and joins the degraded ticket's
        // incident (one problem, rooted where it was first seen); the degraded ticket stays open.
        cluster.failObservations("connection refused at http://127.0.0.1:1")
        _ = await monitor.runTick(number: 5, consecutiveFailures: &failures)
        let open = try await store.tickets(.open)
        #expect(open.map(\.invariant).sorted() == [ObservationDegraded.invariantID, ObservationFailure.invariantID])
        #expect(Set(open.map(\.incidentID)) == [ticket.incidentID], "one incident for the outage")
        let incidentID = try #require(ticket.incidentID)
        let incident = try #require(try await store.incident(id: incidentID))
        #expect(incident.rootInvariant == ObservationDegraded.invariantID)
        cluster.failObservations(nil)
        cluster.failMetrics(nil)
        let clear = try #require(await monitor.runTick(number: 6, consecutiveFailures: &failures))
        #expect(clear.degraded == nil)
        #expect(Set(clear.outcome?.resolved.map(\.invariant) ?? [])
            == [ObservationDegraded.invariantID, ObservationFailure.invariantID])
        #expect(try await store.tickets(.open).isEmpty)
        #expect(try await store.incident(id: incident.id)?.status == .resolved)
    }

    @Test func anObservationThatFailsFromTheStartIsOnlyObservationFailed() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let cluster = FakeCluster()
        cluster.failObservations("connection refused at http://127.0.0.1:1")
        let monitor = MonitorService(
            subject: FakeSubject(cluster: cluster), store: store,
            configuration: MonitorConfiguration(interval: .milliseconds(10), degradedAfter: 2), logger: Logger(label: "test"))
        var failures = 0
        for n in 1...4 { _ = await monitor.runTick(number: n, consecutiveFailures: &failures) }
        #expect(try await store.tickets(.all).map(\.invariant) == [ObservationFailure.invariantID])
    }
}
