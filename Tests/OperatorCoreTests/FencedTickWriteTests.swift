import Foundation
import Logging
import OperatorCore
import OperatorTestSupport
import Prometheus
import Testing

/// The monitor asks its lease fence before every write: a tick the fence refuses (another replica watched
/// the cluster when it was observed) is never written, logged with the reason and counted; one it admits is
/// written as usual. The fence is the real `LeaseFence` over a real SQLite lease table.
@Suite("Fenced tick writes")
struct FencedTickWriteTests {
    @Test func aTickObservedAfterAnotherReplicaTookTheClusterIsNotWrittenAndOneBeforeIs() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let registry = PrometheusCollectorRegistry()
        let logs = CapturedLogs()
        let lease = LeaseName.cluster(ClusterName.default)
        let fence = LeaseFence(lease: lease, replica: "a", store: store)
        let monitor = MonitorService(
            subject: FakeSubject(cluster: FakeCluster()), store: store, configuration: MonitorConfiguration(interval: .milliseconds(10)),
            logger: logs.logger(), metricsFactory: PrometheusMetricsFactory(registry: registry), fence: fence)
        var failures = 0

        // b took the cluster an hour ago (a's lease ran out during an outage): what a observes now is b's to write.
        _ = try await store.acquireLease(lease, holder: "b", duration: .seconds(3600), now: Date().addingTimeInterval(-3600))
        let refused = try #require(await monitor.runTick(number: 1, consecutiveFailures: &failures))
        #expect(refused.outcome == nil && refused.pendingWrites == 0, "refused, and not kept for a retry")
        #expect(try await store.heartbeats(subject: "fake", limit: 100).isEmpty)
        let warning = try #require(logs.all.first { $0.message.hasPrefix("tick not written") })
        #expect(warning.metadata["reason"]?.contains("replica b") == true, "\(warning.metadata)")
        #expect(FullDiskTests.metric("operator_fenced_tick_writes_total", in: registry) == 1)

        // b takes it over only from an hour ahead: a tick a observes now comes before, so it is a's to write.
        try await store.releaseLease(lease, holder: "b")
        _ = try await store.acquireLease(lease, holder: "c", duration: .seconds(60), now: Date().addingTimeInterval(3600))
        let admitted = try #require(await monitor.runTick(number: 2, consecutiveFailures: &failures))
        #expect(admitted.outcome != nil, "\(admitted.error ?? "")")
        #expect(try await store.heartbeats(subject: "fake", limit: 100).map(\.tick) == [2])
        #expect(FullDiskTests.metric("operator_fenced_tick_writes_total", in: registry) == 1)
    }
}
