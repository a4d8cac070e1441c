import OperatorTestSupport
import Foundation
import Logging
import OperatorCore
import Prometheus
import Testing

/// A database on a full filesystem: ticks keep running, what could not be written waits in memory
/// (bounded), every failed write logs an error and shows on the metrics, and once space returns the
/// waiting ticks land in order with their own observation times, each whole.
@Suite(
    "Monitor on a full disk", .serialized,
    .enabled(if: SmallFilesystem.canMount, "skipped: mounting a tmpfs needs root (CI runs as root)"))
struct FullDiskTests {
    /// The value of `name{cluster="default",subject="fake"}` in the Prometheus text the operator serves on /metrics.
    static func metric(_ name: String, in registry: PrometheusCollectorRegistry) -> Double? {
        let prefix = "\(name){cluster=\"default\",subject=\"fake\"} "
        guard let line = registry.emitToString().split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else {
            return nil
        }
        return Double(line.dropFirst(prefix.count))
    }

    @Test func ticksOnAFullDiskWaitInMemoryAndLandInOrderWithTheirObservationTimes() async throws {
        // Small enough to fill in a moment, large enough for the database, its WAL and shared memory (about
        // 200 KiB with the v3 schema) to hold a tick once space returns; the field report used 200 KiB.
        let fs = try SmallFilesystem(size: "512k")
        defer { fs.unmount() }
        let store = try SQLiteTicketStore(path: fs.file("tickets.db"))
        let registry = PrometheusCollectorRegistry()
        let logs = CapturedLogs()
        let cluster = FakeCluster()
        let monitor = MonitorService(
            subject: FakeSubject(cluster: cluster), store: store,
            configuration: MonitorConfiguration(interval: .milliseconds(10), pendingWriteLimit: 3), logger: logs.logger(),
            metricsFactory: PrometheusMetricsFactory(registry: registry))
        var failures = 0
        func tick(_ n: Int) async throws -> TickReport {
            try #require(await monitor.runTick(number: n, consecutiveFailures: &failures))
        }

        let first = try await tick(1)
        #expect(first.outcome != nil && first.error == nil, "\(first.error ?? "")")

        try fs.fill()
        cluster.kill("n2")
        var blocked: [TickReport] = []
        for n in 2...5 {
            let report = try await tick(n)
            #expect(report.outcome == nil, "tick \(n) cannot be written")
            #expect(report.error?.contains("cannot record tick") == true, "\(report.error ?? "no error")")
            blocked.append(report)
        }
        #expect(blocked.map(\.pendingWrites) == [1, 2, 3, 3], "bounded at 3: the oldest (tick 2) was dropped")
        #expect(Self.metric("operator_pending_tick_writes", in: registry) == 3)
        #expect(Self.metric("operator_dropped_tick_writes_total", in: registry) == 1)
        #expect((Self.metric("operator_store_failures_total", in: registry) ?? 0) >= 4)
        let errors = logs.all.filter { $0.level == .error }
        #expect(errors.filter { $0.message == "recording failed" }.count >= 4, "an error on every failed write")
        #expect(errors.contains { $0.message.hasPrefix("dropped unwritten ticks") && $0.metadata["dropped"] == "1" })

        try fs.free()
        let back = try await tick(6)
        let sizes = (try? FileManager.default.contentsOfDirectory(atPath: fs.directory.path))?.map {
            "\($0): \((try? FileManager.default.attributesOfItem(atPath: fs.file($0))[.size]) ?? "?")"
        } ?? []
        #expect(back.error == nil && back.outcome != nil && back.pendingWrites == 0, "\(back.error ?? "") \(sizes)")
        #expect(Self.metric("operator_pending_tick_writes", in: registry) == 0)

        // The waiting ticks landed with their own times, in order: tick 3 saw n2 down first (2 was dropped).
        let ticket = try #require(try await store.tickets(.open).first { $0.invariant == "node-down" })
        #expect(abs(ticket.firstSeen.timeIntervalSince(blocked[1].startedAt)) < 0.002)
        #expect(abs(ticket.lastSeen.timeIntervalSince(back.startedAt)) < 0.002)
        #expect(ticket.occurrences == 4, "ticks 3, 4, 5 and 6")
        let beats = try await store.heartbeats(subject: "fake", limit: 10)
        #expect(beats.map(\.tick) == [6, 5, 4, 3, 1])
        let expectedTimes = [back.startedAt] + blocked[1...].reversed().map(\.startedAt) + [first.startedAt]
        for (beat, expected) in zip(beats, expectedTimes) {
            #expect(abs(beat.startedAt.timeIntervalSince(expected)) < 0.002, "tick \(beat.tick)")
        }
        #expect(try await store.integrityCheck() == ["ok"])
    }
}
