import Foundation
import OperatorConfiguration
import OperatorCore
import Testing

@Suite("operator.yaml: the clusters list")
struct ClusterListTests {
    static let twoClusters = """
        db: /var/lib/operator/operator.db
        interval: 5s
        resolve_after: 4
        subjects:
          tikv: { latency_p99_seconds: 0.5 }
        clusters:
          - name: prod-east
            subject: tikv
            endpoints: [http://pd0.east:2379, "http://ops:s3cret@pd1.east:2379"]
            prometheus: http://prometheus.east:9090
            tikv: { latency_p99_seconds: 0.25 }
          - name: config-store
            subject: etcd
            endpoints: http://10.0.0.5:2379
            interval: 2s
            resolve_after: 2
        """

    func parse(_ text: String) throws(ConfigurationError) -> OperatorConfigFile {
        try OperatorConfigFile.parse(text, path: "operator.yaml")
    }

    func error(_ text: String) -> String? {
        do throws(ConfigurationError) {
            _ = try parse(text)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func eachEntryHasItsOwnSettingsOverTheTopLevelOnes() throws {
        let clusters = try parse(Self.twoClusters).clusters()
        #expect(clusters.map(\.name) == ["prod-east", "config-store"])
        let east = clusters[0], store = clusters[1]
        #expect(east.subject == "tikv")
        #expect(east.endpoints?.map(\.url) == ["http://pd0.east:2379", "http://pd1.east:2379"], "userinfo split off")
        #expect(east.endpoints?.last?.credentials?.username == "ops")
        #expect(east.prometheus?.url == "http://prometheus.east:9090")
        #expect(east.interval == .seconds(5), "inherited from the top level")
        #expect(store.interval == .seconds(2), "its own")
        #expect(store.prometheus == nil)
        // The file view: code that reads an OperatorConfigFile reads the cluster's settings.
        #expect(try east.file.string("subject") == "tikv")
        #expect(try east.file.integer(SettingLimits.resolveAfter) == 4)
        #expect(try store.file.integer(SettingLimits.resolveAfter) == 2)
        #expect(try store.file.string("db") == "/var/lib/operator/operator.db", "process-wide keys are visible")
        #expect(try east.file.subjectSettings("tikv")["latency_p99_seconds"] == .number(0.25), "the subject-named key wins")
        #expect(try store.file.subjectSettings("tikv")["latency_p99_seconds"] == .number(0.5))
        #expect(store.file.values["clusters"] == nil)
    }

    @Test func todaysSingleClusterKeysAreOneClusterNamedDefault() throws {
        let file = try parse("""
            subject: etcd
            endpoints: [http://127.0.0.1:2379]
            interval: 1s
            """)
        let clusters = try file.clusters()
        #expect(clusters.map(\.name) == ["default"])
        #expect(clusters.first?.subject == "etcd")
        #expect(clusters.first?.interval == .seconds(1))
        #expect(try file.cluster(named: "default").endpoints?.map(\.url) == ["http://127.0.0.1:2379"])
        #expect(try OperatorConfigFile.empty.clusters().map(\.name) == ["default"], "no file at all: one default cluster")
        #expect(throws: ConfigurationError.self) { try file.cluster(named: "prod") }
    }

    @Test func anUnknownClusterNameListsTheConfiguredOnes() throws {
        let file = try parse(Self.twoClusters)
        #expect(try file.cluster(named: "config-store").subject == "etcd")
        do throws(ConfigurationError) {
            _ = try file.cluster(named: "prod-west")
            Issue.record("an unknown cluster was accepted")
        } catch {
            #expect(error.message.contains("unknown cluster \"prod-west\""))
            #expect(error.message.contains("\"prod-east\", \"config-store\""), "\(error.message)")
        }
    }

    @Test func duplicateNamesAreRefusedNamingBothEntries() {
        let message = error("""
            clusters:
              - { name: a, subject: tikv, endpoints: [http://x:2379] }
              - { name: a, subject: etcd, endpoints: [http://y:2379] }
            """)
        #expect(message?.contains("clusters[1] has the name \"a\" of clusters[0]") == true, "\(message ?? "accepted")")
    }

    @Test(arguments: ["Prod", "prod_east", "", "prod east", "é"])
    func badNamesAreRefusedSayingWhatANameMayBe(name: String) {
        let message = error("""
            clusters:
              - { name: "\(name)", subject: tikv, endpoints: [http://x:2379] }
            """)
        #expect(message?.contains("clusters[0] name \"\(name)\" is not a cluster name") == true, "\(message ?? "accepted")")
        #expect(message?.contains("a-z, 0-9 and -") == true)
    }

    @Test func unknownKeysInAnEntryNameTheEntryAndTheKey() {
        let message = error("""
            clusters:
              - { name: east, subject: tikv, endpoints: [http://x:2379], intervall: 5s }
            """)
        #expect(message?.contains("clusters[east]: unknown setting \"intervall\"") == true, "\(message ?? "accepted")")
    }

    @Test func aBadValueInAnEntryNamesTheEntryAndTheKey() {
        let message = error("""
            clusters:
              - { name: east, subject: tikv, endpoints: [http://x:2379], interval: 10ms }
            """)
        #expect(message?.contains("clusters[east].interval") == true, "\(message ?? "accepted")")
        let url = error("""
            clusters:
              - { name: east, subject: tikv, endpoints: ["ftp://x:2379"] }
            """)
        #expect(url?.contains("clusters[east].endpoints") == true, "\(url ?? "accepted")")
    }

    @Test func aClustersListMixedWithTopLevelSubjectOrEndpointsIsRefused() {
        let message = error("""
            subject: tikv
            endpoints: [http://pd0:2379]
            clusters:
              - { name: east, subject: tikv, endpoints: [http://x:2379] }
            """)
        #expect(message?.contains("top-level \"subject\", \"endpoints\" cannot be combined with a \"clusters\" list") == true,
                "\(message ?? "accepted")")
    }

    @Test func entriesNeedANameAndASubjectAndTheListMayNotBeEmpty() {
        #expect(error("clusters: []")?.contains("non-empty list") == true)
        #expect(error("clusters: { east: {} }")?.contains("non-empty list") == true)
        #expect(error("clusters:\n  - { subject: tikv }")?.contains("clusters[0] has no \"name\"") == true)
        #expect(error("clusters:\n  - { name: east }")?.contains("clusters[east] has no \"subject\"") == true)
        #expect(error("clusters:\n  - east")?.contains("clusters[0] must be a mapping") == true)
        #expect(
            error("clusters:\n  - { name: e, subject: tikv, tikv: {a: 1}, subjects: {tikv: {a: 2}} }")?.contains("settings twice") == true)
    }
}

@Suite("operator.yaml: the documented clusters sample")
struct ClusterSampleTests {
    @Test func theSampleInDocsParsesIntoItsClusters() throws {
        var root = URL(fileURLWithPath: #filePath)
        while root.path != "/" && !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) {
            root.deleteLastPathComponent()
        }
        let path = root.appendingPathComponent("Docs/operator.clusters.sample.yaml").path
        let file = try OperatorConfigFile.load(explicitPath: path)
        let clusters = try file.clusters()
        #expect(clusters.map(\.name) == ["prod-east", "config-store", "prod-secure"])
        #expect(clusters.map(\.subject) == ["tikv", "etcd", "tikv"])
        let secure = try clusters[2].file.tlsSettings()
        #expect(secure?.caFile == root.appendingPathComponent("Docs/certs/ca.pem").path)
        #expect(try clusters[2].file.prometheusEndpoint()?.authorization != nil)
        #expect(clusters[1].interval == .seconds(2))
        #expect(try clusters[0].file.subjectSettings("tikv")["latency_p99_seconds"] == .number(0.5))
    }
}
