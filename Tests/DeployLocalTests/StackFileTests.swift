import DeployLocal
import Foundation
import OperatorCore
import SubjectEtcd
import SubjectTiKV
import Testing
import Yams

/// Every compose, Prometheus and Grafana file under Subjects/ is checked by the tool that will read it:
/// `docker-compose config` (works without an engine, etcd-prometheus-observed.md §C) and `promtool`.
@Suite("Stack files under Subjects/ validate")
struct StackFileTests {
    static let composeFiles = StackTestSupport.subjectFiles { $0.hasPrefix("docker-compose") && $0.hasSuffix(".yaml") }
    static let prometheusConfigs = StackTestSupport.subjectFiles { $0 == "prometheus.yml" }
    static let ruleFiles = StackTestSupport.subjectFiles { $0.hasSuffix(".rules.yml") }
    static let ruleTests = StackTestSupport.subjectFiles { $0.hasSuffix(".test.yml") }

    @Test func theStacksAreFound() {
        #expect(Self.composeFiles.map { ($0 as NSString).lastPathComponent }.count == 2, "\(Self.composeFiles)")
        #expect(Self.prometheusConfigs.count == 1)
        #expect(Self.ruleFiles.count == 3, "\(Self.ruleFiles)")
        #expect(Self.ruleTests.count == 1)
    }

    // MARK: - compose

    @Test(arguments: composeFiles)
    func composeFileValidates(_ file: String) async throws {
        let compose = try StackTestSupport.requireTool("docker-compose", package: "docker-compose")
        // Every profile the file declares, so profile-only services are checked too.
        let profiles = try Self.profiles(in: file)
        let arguments = ["-f", file] + profiles.flatMap { ["--profile", $0] } + ["config", "--quiet"]
        let output = try await StackTestSupport.run(compose, arguments)
        #expect(output.succeeded, "docker-compose \(arguments.joined(separator: " ")):\n\(output.transcript)")
    }

    /// The validation above can fail: a file with an unknown key is rejected with the key named.
    @Test func composeValidationRejectsAnUnknownKey() async throws {
        let compose = try StackTestSupport.requireTool("docker-compose", package: "docker-compose")
        let directory = try StackTestSupport.temporaryDirectory("stack-bad-compose")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let original = try String(contentsOfFile: StackTestSupport.path("Subjects/etcd/docker-compose.yaml"), encoding: .utf8)
        let broken = original.replacingOccurrences(of: "    network_mode: host\n", with: "    network_mode: host\n    bogus_key: 1\n")
            .replacingOccurrences(of: "  network_mode: host\n", with: "  network_mode: host\n  bogus_key: 1\n")
        let file = (directory as NSString).appendingPathComponent("docker-compose.yaml")
        try broken.write(toFile: file, atomically: true, encoding: .utf8)
        let output = try await StackTestSupport.run(compose, ["-f", file, "config", "--quiet"])
        #expect(!output.succeeded)
        #expect(output.standardError.contains("bogus_key"), "\(output.transcript)")
    }

    /// The normalised TiKV stack, as compose reads it.
    static func tikvConfig() async throws -> ComposeConfig {
        let compose = try StackTestSupport.requireTool("docker-compose", package: "docker-compose")
        let file = StackTestSupport.path("Subjects/tikv/docker-compose.yaml")
        let output = try await StackTestSupport.run(
            compose, ["-f", file, "--profile", "load", "--profile", "operator", "config"])
        try #require(output.succeeded, "\(output.transcript)")
        return try ComposeConfig.parse(output.standardOutput, source: file)
    }

    @Test func tikvStackHasThreePDAndThreeTiKVOnOneMultiArchRelease() async throws {
        let config = try await Self.tikvConfig()
        for n in 0..<3 {
            #expect(config.services["pd\(n)"] != nil)
            #expect(config.services["tikv\(n)"] != nil)
        }
        let images = (0..<3).flatMap { ["pd\($0)", "tikv\($0)"] }.compactMap { config.image(of: $0) }
        #expect(images.count == 6)
        let tags = Set(images.compactMap { $0.split(separator: ":").last.map(String.init) })
        #expect(tags.count == 1, "one release tag for PD and TiKV: \(images)")
        let tag = try #require(tags.first)
        // Multi-arch manifests since v6.1.0 (tikv-interfaces.md §5).
        let parts = tag.dropFirst().split(separator: ".").compactMap { Int($0) }
        #expect(tag.hasPrefix("v") && parts.count == 3, "a release tag, not \(tag)")
        #expect(parts.lexicographicallyPrecedes([6, 1, 0]) == false, "\(tag) predates multi-arch images")
        #expect(Set(images.map { $0.split(separator: ":")[0] }) == ["pingcap/pd", "pingcap/tikv"])
    }

    @Test func tikvAdvertisesItsStatusAddressAndWaitsForHealthyPD() async throws {
        let config = try await Self.tikvConfig()
        for n in 0..<3 {
            let service = try #require(config.services["tikv\(n)"])
            let command = service["command"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(command.contains("--advertise-status-addr=tikv\(n):20180"), "\(command)")
            #expect(command.contains("--advertise-addr=tikv\(n):20160"), "\(command)")
            #expect(command.contains("--pd-endpoints=pd0:2379,pd1:2379,pd2:2379"), "\(command)")
            for pd in 0..<3 {
                #expect(service["depends_on"]?["pd\(pd)"]?["condition"]?.stringValue == "service_healthy", "tikv\(n) → pd\(pd)")
            }
            let check = service["healthcheck"]?["test"]?.arrayValue?.compactMap(\.stringValue).joined(separator: " ") ?? ""
            #expect(check.contains("http://localhost:20180/status"), "\(check)")
            #expect(service["volumes"]?.arrayValue?.count == 1)
        }
        for n in 0..<3 {
            let service = try #require(config.services["pd\(n)"])
            let check = service["healthcheck"]?["test"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(check == ["CMD", "curl", "-f", "http://localhost:2379/pd/api/v1/health"])
            let command = service["command"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(command.contains("--name=pd\(n)"))
            #expect(command.contains("--advertise-client-urls=http://pd\(n):2379"))
        }
    }

    @Test func onlyPD0AndTiKV0ArePublishedAndOnlyOnLoopback() async throws {
        let config = try await Self.tikvConfig()
        for name in (0..<3).flatMap({ ["pd\($0)", "tikv\($0)"] }) {
            let ports = config.services[name]?["ports"]?.arrayValue ?? []
            if name == "pd0" || name == "tikv0" {
                #expect(!ports.isEmpty, "\(name) is published")
            } else {
                #expect(ports.isEmpty, "\(name) must not be published: \(ports)")
            }
        }
        for (name, service) in config.services {
            for port in service["ports"]?.arrayValue ?? [] {
                // v1 prints "127.0.0.1:2379:2379/tcp"; the long form has host_ip.
                let text = port.stringValue ?? port["host_ip"]?.stringValue ?? ""
                #expect(text.hasPrefix("127.0.0.1"), "\(name) publishes \(port) beyond loopback")
            }
        }
    }

    @Test func loadAndOperatorServicesSitBehindTheirProfiles() async throws {
        let config = try await Self.tikvConfig()
        #expect(config.profiles(of: "ycsb-load") == ["load"])
        #expect(config.profiles(of: "ycsb-run") == ["load"])
        #expect(config.profiles(of: "operator") == ["operator"])
        for core in ["pd0", "tikv0", "prometheus", "grafana"] {
            #expect(config.isActive(core, enabledProfiles: []))
        }
        let load = config.services["ycsb-load"]?["command"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(load.starts(with: ["load", "tikv"]))
        #expect(load.contains("tikv.pd=pd0:2379,pd1:2379,pd2:2379") && load.contains("tikv.type=raw"), "\(load)")
        #expect(config.services["ycsb-run"]?["depends_on"]?["ycsb-load"]?["condition"]?.stringValue == "service_completed_successfully")

        let operatorService = try #require(config.services["operator"])
        // The image serves by default; the stack's service monitors this one cluster.
        #expect(operatorService["command"]?.arrayValue?.compactMap(\.stringValue) == ["operator", "monitor", "--subject", "tikv"])
        let environment = operatorService["environment"]
        #expect(environment?["PD_ENDPOINT"]?.stringValue?.contains("http://pd0:2379") == true)
        #expect(environment?["PROMETHEUS_URL"]?.stringValue == "http://prometheus:9090")
        // Built from the repository root with the Dockerfile next to the compose file.
        let context = try #require(operatorService["build"]?["context"]?.stringValue)
        #expect(URL(fileURLWithPath: context).standardizedFileURL.path == StackTestSupport.repositoryRoot.standardizedFileURL.path)
        let dockerfile = try #require(operatorService["build"]?["dockerfile"]?.stringValue)
        #expect(FileManager.default.fileExists(atPath: (context as NSString).appendingPathComponent(dockerfile)))
    }

    @Test func dockerfilesAreMultiStageWithTheRightEntryPoints() throws {
        let operatorFile = try String(contentsOfFile: StackTestSupport.path("Subjects/tikv/Dockerfile.operator"), encoding: .utf8)
        let lines = operatorFile.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.filter { $0.hasPrefix("FROM ") }.count >= 2, "multi-stage")
        #expect(lines.contains { $0.contains("swift build") && $0.contains("--product operator") && $0.contains("-c release") })
        // Serves by default (the Kubernetes manifests rely on it; KubernetesManifestTests checks the paths and
        // port); nothing in the image overrides a `clusters:` list.
        #expect(lines.contains(#"CMD ["operator", "serve", "--config", "/etc/operator/operator.yaml", "--listen", "0.0.0.0:9400"]"#))
        #expect(!lines.contains { $0.hasPrefix("ENV ") && ($0.contains("PD_ENDPOINT") || $0.contains("OPERATOR_DB")) })

        let ycsb = try String(contentsOfFile: StackTestSupport.path("Subjects/tikv/Dockerfile.ycsb"), encoding: .utf8)
        #expect(ycsb.split(separator: "\n").filter { $0.hasPrefix("FROM ") }.count >= 2, "multi-stage")
        #expect(ycsb.contains("COPY workloads /workloads") && ycsb.contains(#"ENTRYPOINT ["/go-ycsb"]"#))

        let workload = try String(contentsOfFile: StackTestSupport.path("Subjects/tikv/workloads/workloada"), encoding: .utf8)
        var properties: [String: String] = [:]
        for line in workload.split(separator: "\n") where !line.hasPrefix("#") {
            let pair = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2 { properties[pair[0]] = pair[1] }
        }
        #expect(properties["recordcount"] == "10000")
        #expect(properties["workload"] == "core")
        #expect(properties["readproportion"] == "0.5" && properties["updateproportion"] == "0.5", "workload A")
    }

    // MARK: - recipes against the files they name

    @Test func tikvRecipeNamesServicesAndVariablesTheStackHas() async throws {
        let config = try await Self.tikvConfig()
        let plan = try TiKVComposeRecipe.plan(DeploymentOptions(basePort: 31000, stateDirectory: "/tmp/x"))
        for service in plan.services.values { #expect(config.services[service] != nil, "\(service)") }
        let text = try String(contentsOfFile: StackTestSupport.path(plan.composeFile), encoding: .utf8)
        for variable in plan.environment.keys { #expect(text.contains("${\(variable):-"), "\(variable) is read by the file") }
        #expect(plan.healthURLs.contains("http://127.0.0.1:31000/pd/api/v1/health"))
        #expect(plan.healthURLs.contains("http://127.0.0.1:31002/status"))
        #expect(plan.memberDirectory?.urls == ["http://127.0.0.1:31000/pd/api/v1/stores"])
    }

    @Test func etcdRecipeNamesServicesAndVariablesTheStackHas() async throws {
        let compose = try StackTestSupport.requireTool("docker-compose", package: "docker-compose")
        let plan = try EtcdComposeRecipe.plan(DeploymentOptions(basePort: 41000, stateDirectory: "/tmp/x"))
        let file = StackTestSupport.path(plan.composeFile)
        var environment = ProcessInfo.processInfo.environment
        environment.merge(plan.environment) { _, planned in planned }
        let output = try await StackTestSupport.run(compose, ["-f", file, "config"], environment: environment)
        try #require(output.succeeded, "\(output.transcript)")
        let config = try ComposeConfig.parse(output.standardOutput, source: file)
        #expect(Set(plan.services.values) == Set(config.serviceNames))
        // The variables reach the members' flags: e2 listens where the plan's second endpoint points.
        let e2 = config.services["e2"]?["command"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(e2.contains("--listen-client-urls=http://127.0.0.1:41002"), "\(e2)")
        #expect(e2.contains("--initial-cluster=e1=http://127.0.0.1:41001,e2=http://127.0.0.1:41003,e3=http://127.0.0.1:41005"))
        #expect(plan.endpoints == ["http://127.0.0.1:41000", "http://127.0.0.1:41002", "http://127.0.0.1:41004"])
        #expect(config.services["e1"]?["network_mode"]?.stringValue == "host")
    }

    // MARK: - Prometheus

    @Test(arguments: prometheusConfigs)
    func prometheusConfigValidates(_ file: String) async throws {
        let promtool = try StackTestSupport.requireTool("promtool", package: "prometheus")
        let output = try await StackTestSupport.run(promtool, ["check", "config", file])
        #expect(output.succeeded, "\(output.transcript)")
        // The config loads both rule files, which promtool checks along with it.
        #expect(output.standardOutput.contains("2 rule files found"), "\(output.transcript)")
    }

    @Test func prometheusScrapesEveryPDAndTiKVUnderTheJobNamesTheRulesUse() throws {
        let file = StackTestSupport.path("Subjects/tikv/prometheus/prometheus.yml")
        let document = try #require(try Yams.load(yaml: String(contentsOfFile: file, encoding: .utf8)) as? [String: Any])
        let jobs = try #require(document["scrape_configs"] as? [[String: Any]])
        func targets(_ job: String) -> [String] {
            let config = jobs.first { $0["job_name"] as? String == job }
            let statics = config?["static_configs"] as? [[String: Any]] ?? []
            return statics.flatMap { $0["targets"] as? [String] ?? [] }.sorted()
        }
        #expect(targets("pd") == ["pd0:2379", "pd1:2379", "pd2:2379"])
        #expect(targets("tikv") == ["tikv0:20180", "tikv1:20180", "tikv2:20180"])
    }

    @Test(arguments: ruleFiles)
    func ruleFileValidates(_ file: String) async throws {
        let promtool = try StackTestSupport.requireTool("promtool", package: "prometheus")
        let output = try await StackTestSupport.run(promtool, ["check", "rules", file])
        #expect(output.succeeded, "\(output.transcript)")
    }

    /// rules.test.yml feeds PD's and TiKV's real series to the corrected rules and to upstream's, expecting
    /// the corrected ones to fire and upstream's to stay silent.
    @Test(arguments: ruleTests)
    func ruleUnitTestsPass(_ file: String) async throws {
        let promtool = try StackTestSupport.requireTool("promtool", package: "prometheus")
        let output = try await StackTestSupport.run(
            promtool, ["test", "rules", (file as NSString).lastPathComponent],
            workingDirectory: (file as NSString).deletingLastPathComponent)
        #expect(output.succeeded, "\(output.transcript)")
        #expect(output.standardOutput.contains("SUCCESS"), "\(output.transcript)")
    }

    /// Keeps the unit test honest: the rules it compares really differ the way tikv-interfaces.md §2.3 says.
    @Test func correctedAndUpstreamRulesDifferOnlyWhereTheBugsAre() throws {
        let ours = try Self.alertExpressions(in: StackTestSupport.path("Subjects/tikv/prometheus/rules/pd.rules.yml"))
            .merging(try Self.alertExpressions(in: StackTestSupport.path("Subjects/tikv/prometheus/rules/tikv.rules.yml"))) { a, _ in a }
        let upstream = try Self.alertExpressions(in: StackTestSupport.path("Subjects/tikv/prometheus/tests/upstream.rules.yml"))
        #expect(ours["PD_miss_peer_region_count"]?.contains(#"type="miss-peer-region-count""#) == true)
        #expect(upstream["PD_miss_peer_region_count_upstream"]?.contains(#"type="miss_peer_region_count""#) == true)
        #expect(ours["TiKV_thread_apply_worker_cpu_seconds"]?.contains(#"name=~"apply_.*""#) == true)
        #expect(upstream["TiKV_thread_apply_worker_cpu_seconds_upstream"]?.contains(#"name="apply_.*""#) == true)
        #expect(ours["TiKV_leader_drops"]?.contains("tikv_raftstore_region_count") == true)
        #expect(upstream["TiKV_leader_drops_upstream"]?.contains("tikv_pd_heartbeat_tick_total") == true)
        // Nothing in the stack still uses the broken forms.
        for (name, expr) in ours {
            #expect(!expr.contains("miss_peer_region_count") && !expr.contains("tikv_pd_heartbeat_tick_total"), "\(name)")
            #expect(!expr.contains(#"name="apply_"#), "\(name)")
        }
    }

    static func alertExpressions(in file: String) throws -> [String: String] {
        let document = try Yams.load(yaml: String(contentsOfFile: file, encoding: .utf8)) as? [String: Any]
        let groups = document?["groups"] as? [[String: Any]] ?? []
        var out: [String: String] = [:]
        for rule in groups.flatMap({ $0["rules"] as? [[String: Any]] ?? [] }) {
            if let name = rule["alert"] as? String, let expr = rule["expr"] as? String { out[name] = expr }
        }
        return out
    }

    // MARK: - Grafana

    /// Every dashboard query parses as PromQL (as a recording rule, which promtool checks) and names the
    /// provisioned datasource.
    @Test func dashboardQueriesAreValidPromQLOnTheProvisionedDatasource() async throws {
        let promtool = try StackTestSupport.requireTool("promtool", package: "prometheus")
        let grafana = StackTestSupport.path("Subjects/tikv/grafana")
        let provisioning = try Yams.load(
            yaml: String(contentsOfFile: grafana + "/provisioning/datasources/prometheus.yaml", encoding: .utf8)) as? [String: Any]
        let datasource = try #require((provisioning?["datasources"] as? [[String: Any]])?.first)
        let uid = try #require(datasource["uid"] as? String)
        #expect(datasource["url"] as? String == "http://prometheus:9090")

        let dashboards = try FileManager.default.contentsOfDirectory(atPath: grafana + "/dashboards").filter { $0.hasSuffix(".json") }
        #expect(!dashboards.isEmpty)
        var expressions: [String] = []
        var titles: [String] = []
        for name in dashboards {
            let data = try Data(contentsOf: URL(fileURLWithPath: grafana + "/dashboards/" + name))
            let dashboard = try JSONDecoder().decode(JSONValue.self, from: data)
            for panel in dashboard["panels"]?.arrayValue ?? [] where panel["type"]?.stringValue != "row" {
                titles.append(panel["title"]?.stringValue ?? "")
                #expect(panel["datasource"]?["uid"]?.stringValue == uid, "panel \(panel["title"]?.stringValue ?? "?")")
                for target in panel["targets"]?.arrayValue ?? [] {
                    #expect(target["datasource"]?["uid"]?.stringValue == uid)
                    expressions.append(try #require(target["expr"]?.stringValue))
                }
            }
        }
        for wanted in ["Normal stores", "QPS", "p99 latency", "Store size", "Raft log lag", "Region health"] {
            #expect(titles.contains(wanted), "the dashboard shows \(wanted)")
        }
        let directory = try StackTestSupport.temporaryDirectory("stack-dashboard")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let rules: [String: Any] = [
            "groups": [["name": "dashboard", "rules": expressions.enumerated().map { ["record": "dashboard_query_\($0.offset)", "expr": $0.element] }]],
        ]
        let file = directory + "/dashboard.rules.yml"
        try Yams.dump(object: rules).write(toFile: file, atomically: true, encoding: .utf8)
        let output = try await StackTestSupport.run(promtool, ["check", "rules", file])
        #expect(output.succeeded, "\(output.transcript)")
        #expect(output.standardOutput.contains("\(expressions.count) rules found"), "\(output.transcript)")
    }

    // MARK: - helpers

    static func profiles(in file: String) throws -> [String] {
        let document = try Yams.load(yaml: String(contentsOfFile: file, encoding: .utf8)) as? [String: Any]
        let services = document?["services"] as? [String: Any] ?? [:]
        let all = services.values.compactMap { ($0 as? [String: Any])?["profiles"] as? [String] }.flatMap { $0 }
        return Array(Set(all)).sorted()
    }
}
