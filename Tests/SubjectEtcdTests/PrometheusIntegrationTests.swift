import Foundation
import OperatorCore
import OperatorTestSupport
import PrometheusClient
import Testing

@testable import DeployLocal
@testable import SubjectEtcd

/// The Prometheus metrics path against real Prometheus (Debian's 2.42) scraping a real etcd cluster:
/// proves the PromQL is accepted and series map to members by `instance` (§B).
@Suite("etcd metrics through a real Prometheus")
struct PrometheusIntegrationTests {
    static var available: Bool { RealEtcdCluster.installed && ExecutableLookup.find("prometheus") != nil }

    @Test(
        "members' metrics come from PromQL; a killed member's series go stale and it is reported missing",
        .enabled(if: available, "etcd or prometheus is not installed: apt-get install etcd-server prometheus"))
    func throughPrometheus() async throws {
        let cluster = try RealEtcdCluster()
        defer { cluster.cleanup() }
        _ = try await cluster.deployment.up { _ in }

        let promDir = try TemporaryDirectory(prefix: "operator-prometheus")
        defer { promDir.remove() }
        let port = try #require(LocalPorts.freeBlock(count: 1))
        let targets = cluster.plan.members.map { "'\($0.endpoint.replacingOccurrences(of: "http://", with: ""))'" }
        // §B: 1 s scrapes, the 900 ms timeout Prometheus then requires.
        try """
            global: {scrape_interval: 1s, scrape_timeout: 900ms, evaluation_interval: 1s}
            scrape_configs:
              - job_name: etcd
                static_configs:
                  - targets: [\(targets.joined(separator: ", "))]
            """.write(toFile: promDir.file("prometheus.yml"), atomically: true, encoding: .utf8)
        let prometheus = ProcessDeployment(
            plan: ProcessClusterPlan(
                subject: "prometheus",
                members: [
                    ProcessClusterPlan.Member(
                        entity: "server:prometheus", executable: "prometheus",
                        arguments: [
                            "--config.file=\(promDir.file("prometheus.yml"))", "--storage.tsdb.path=\(promDir.file("data"))",
                            "--web.listen-address=127.0.0.1:\(port)",
                        ],
                        ports: [port], endpoint: "http://127.0.0.1:\(port)", healthURL: "http://127.0.0.1:\(port)/-/ready",
                        dataDirectory: "data")
                ], installHint: "install it with `apt-get install prometheus`"),
            stateDirectory: promDir.path, stopGracePeriod: .seconds(5))
        defer { RealEtcdCluster.killRecorded(in: promDir.path) }
        _ = try await prometheus.up { _ in }
        let url = "http://127.0.0.1:\(port)"

        // The first series appear only after discovery's 5 s throttle (§B): wait for series, not /-/ready.
        let api = PrometheusAPI(baseURL: url, timeout: .seconds(20))
        try await eventually("etcd_server_has_leader for 3 instances", within: .seconds(90)) {
            (try? await api.queryVector("etcd_server_has_leader").count) == 3
        }
        // Until each series has two samples, increase() and rate() return nothing and the windowed
        // invariants rightly give no verdict.
        try await eventually("two samples of every series", within: .seconds(30)) {
            (try? await api.queryVector("increase(etcd_server_leader_changes_seen_total[5m])").count) == 3
        }

        let subject = try EtcdSubject(
            configuration: SubjectConfiguration(
                endpoints: cluster.endpoints, prometheusURL: url, settings: ["probe_timeout": "5s"], requestTimeout: .seconds(10)))
        let s = try await subject.observe()
        #expect(s.metricsSource == "prometheus \(url)")
        for m in s.members {
            let metrics = try #require(m.metrics, "\(m.displayName): \(m.metricsError ?? "")")
            #expect(metrics.hasLeader == true)
            #expect(metrics.quotaBackendBytes == 2_147_483_648, "etcd's default quota")
            #expect((metrics.dbTotalSizeBytes ?? 0) > 0)
            #expect(metrics.leaderChangesInWindow != nil)
            #expect(metrics.walFsyncP99Seconds != nil, "a number, or NaN without writes")
        }
        #expect(s.members.filter { $0.metrics?.isLeader == true }.map(\.id) == [try #require(s.leader?.id)])
        let evaluation = subject.evaluate(s)
        #expect(evaluation.violations.isEmpty)
        #expect(evaluation.skipped.isEmpty, "\(evaluation.skipped)")

        // Evidence: range queries return series mapped to members.
        let request = EvidenceRequest(
            rootEntity: "member:e1", tickets: [], window: DateInterval(start: Date().addingTimeInterval(-60), end: Date()))
        let evidence = await subject.knowledge.gatherEvidence(for: request, snapshot: s)
        #expect(Set(evidence.metrics.filter { $0.name == "has_leader" }.compactMap(\.entity)) == ["member:e1", "member:e2", "member:e3"])

        try await cluster.deployment.kill("member:e3")
        try await eventually("e3 reported missing from Prometheus", within: .seconds(30)) {
            let now = try await subject.observe()
            return now.member(named: "e3")?.metricsError?.contains("no current etcd_server_has_leader series") == true
        }
        try await prometheus.down(removeState: true)
        try await cluster.deployment.down(removeState: true)
    }
}
