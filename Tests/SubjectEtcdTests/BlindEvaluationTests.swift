import Foundation
import OperatorCore
import Testing

@testable import SubjectEtcd

/// Never "healthy" when blind: a metrics source that is down leaves fsync-slow, proposals-failing and
/// db-size-near-quota without a verdict because a source failed (verdict unknown, naming the source);
/// the same invariants waiting for their second reading are warm-up (listed, verdict healthy).
@Suite("etcd: a failed metrics source is not healthy")
struct BlindEvaluationTests {
    static let prometheusDown =
        "cannot reach Prometheus for http://127.0.0.1:9/api/v1/query: connection refused; check the Prometheus URL and that the server is running"

    @Test func metricsSourceDownIsUnknownButWarmUpIsHealthy() throws {
        let subject = try EtcdSubject(configuration: .init(endpoints: ["http://127.0.0.1:2379"]))
        var b = SnapshotBuilder()

        let warmingUp = subject.evaluate(b.snapshot)
        #expect(warmingUp.skipped["fsync-slow"] != nil, "no two readings yet")
        #expect(warmingUp.failedSources.isEmpty)
        #expect(warmingUp.verdict == .healthy)

        b.snapshot.metricsError = Self.prometheusDown
        let blind = subject.evaluate(b.snapshot)
        #expect(blind.verdict == .unknown)
        #expect(blind.failedSources == [Self.prometheusDown])
        #expect(blind.skippedCritical.isEmpty, "member-down, no-leader and quorum-lost still have the gateway's view")
        #expect(Set(blind.skipped.keys).isSuperset(of: ["fsync-slow", "proposals-failing"]))
    }
}
