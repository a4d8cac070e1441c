import Foundation
import Hummingbird
import OperatorCore
import OperatorTestSupport
import Testing

@testable import SubjectEtcd

/// One out-of-range value on a member's `/metrics` page once trapped `operator check` (a Double to integer
/// conversion while writing the verdict). Through the real path: gateway and page over HTTP, the scrape
/// source, the snapshot, every invariant, the status lines and the JSON the CLI writes.
@Suite("etcd: out-of-range metric values")
struct OutOfRangeMetricTests {
    static func observe(metricsPage: String) async throws -> (EtcdSnapshot, Evaluation<EtcdSnapshot>) {
        let router = Router()
        let selfURL = LockedURL()
        router.post("/v3/cluster/member/list") { _, _ -> CannedResponse in
            CannedResponse(
                body: #"""
                    {"header":{"cluster_id":"968716052297111514","raft_term":"2"},"members":[{"ID":"6969278951715654196","name":"e1","peerURLs":["http://127.0.0.1:2380"],"clientURLs":["\#(selfURL.value)"]}]}
                    """#)
        }
        router.post("/v3/maintenance/status") { _, _ in CannedResponse(body: GatewayFixtures.status) }
        router.get("/health") { _, _ in CannedResponse(body: GatewayFixtures.healthy) }
        router.get("/version") { _, _ in CannedResponse(body: GatewayFixtures.version) }
        router.get("/metrics") { _, _ in CannedResponse(contentType: "text/plain; version=0.0.4", body: metricsPage) }
        return try await withLocalHTTPServer(router) { url in
            selfURL.value = url
            let subject = try EtcdSubject(
                configuration: SubjectConfiguration(endpoints: [url], settings: ["probe_timeout": "20s"], requestTimeout: .seconds(20)))
            let snapshot = try await subject.observe()
            return (snapshot, subject.evaluate(snapshot))
        }
    }

    static func page(dbSize: String) -> String {
        etcdMetricsPage(leaderChanges: 1, proposalsFailed: 0, fsyncBuckets: Array(repeating: 3, count: 15), fsyncCount: 3)
            .replacingOccurrences(of: "etcd_mvcc_db_total_size_in_bytes 20480", with: "etcd_mvcc_db_total_size_in_bytes \(dbSize)")
    }

    @Test("etcd_mvcc_db_total_size_in_bytes +Inf is named as malformed; db-size-near-quota judges on the gateway's dbSize")
    func infiniteDatabaseSize() async throws {
        let (snapshot, evaluation) = try await Self.observe(metricsPage: Self.page(dbSize: "+Inf"))
        let e1 = try #require(snapshot.member(named: "e1"))
        #expect(e1.metrics?.dbTotalSizeBytes == nil, "an infinite size is unknown, not a size")
        #expect(e1.metricsError?.contains("etcd_mvcc_db_total_size_in_bytes is inf") == true, "\(e1.metricsError ?? "nil")")
        // The status call's dbSize (20480 of a 2 GiB quota) still gives a verdict: healthy on that number.
        #expect(evaluation.evaluated.contains("db-size-near-quota"))
        #expect(!evaluation.violations.contains { $0.invariant == "db-size-near-quota" })
        #expect(!snapshot.statusLines().isEmpty)
        _ = try JSONEncoder.operatorEncoder.encode(snapshot)
        // A diagnosis is told which value was dropped, and that the rest of the page was read.
        let evidence = await EtcdRobustness.subject.knowledge.gatherEvidence(
            for: EvidenceRequest(rootEntity: .cluster, tickets: [], window: DateInterval(start: snapshot.observedAt, duration: 60)),
            snapshot: snapshot)
        #expect(evidence.notes.contains { $0.hasPrefix("metrics of e1 partly unusable: etcd_mvcc_db_total_size_in_bytes is inf") }, "\(evidence.notes)")
    }

    @Test("negative and 1e20 sizes: no trap; 1e20 is a real (if absurd) size and is reported as over quota")
    func hugeAndNegativeSizes() async throws {
        let (negative, negativeEvaluation) = try await Self.observe(metricsPage: Self.page(dbSize: "-1e20"))
        #expect(negative.member(named: "e1")?.metricsError?.contains("etcd_mvcc_db_total_size_in_bytes is -1e+20") == true)
        #expect(negativeEvaluation.evaluated.contains("db-size-near-quota"))

        let (_, huge) = try await Self.observe(metricsPage: Self.page(dbSize: "1e20"))
        let violation = try #require(huge.violations.first { $0.invariant == "db-size-near-quota" })
        #expect(violation.severity == .critical)
        #expect(violation.message.contains("% of its 2.0 GiB quota"), "\(violation.message)")
    }
}

/// The fake member's own URL, known only once the server listens.
final class LockedURL: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = ""
    var value: String {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
