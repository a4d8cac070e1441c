import Foundation
import OperatorCore
import Testing

@testable import SubjectEtcd

@Suite("etcd settings and process recipe")
struct SettingsAndRecipeTests {
    @Test("settings default, parse durations and numbers, and reject unknown keys and bad values by name")
    func settings() throws {
        #expect(try EtcdSettings(.null) == EtcdSettings())
        let s = try EtcdSettings([
            "window": "1m", "fsync_p99": "20ms", "unhealthy_after": 2, "db_size_ratio": 0.9, "log_files": ["/var/log/e1.log"],
            "peer_rtt_p99": 0.05,
        ])
        #expect(s.window == .seconds(60))
        #expect(abs(s.fsyncP99Seconds - 0.02) < 1e-12)
        #expect(s.unhealthyAfter == 2 && s.dbSizeRatio == 0.9 && s.peerRoundTripP99Seconds == 0.05)
        #expect(s.logFiles == ["/var/log/e1.log"])

        let unknown = #expect(throws: EtcdSettingsError.self) { try EtcdSettings(["fsync_p999": "1s"]) }
        #expect(unknown?.description.contains("etcd setting fsync_p999: unknown setting") == true)
        let bad = #expect(throws: EtcdSettingsError.self) { try EtcdSettings(["window": "soon"]) }
        #expect(bad?.key == "window")
        #expect(throws: EtcdSettingsError.self) { try EtcdSettings(["db_size_ratio": 2]) }
        #expect(throws: EtcdSettingsError.self) { try EtcdSettings(["unhealthy_after": 0]) }
        // Beyond what a Duration or an Int holds: errors naming the key, where the conversion used to trap.
        let longWindow = #expect(throws: EtcdSettingsError.self) { try EtcdSettings(["window": "999999999999h"]) }
        #expect(longWindow?.key == "window")
        let hugeCount = #expect(throws: EtcdSettingsError.self) { try EtcdSettings(["unhealthy_after": 1e20]) }
        #expect(hugeCount?.key == "unhealthy_after")
        #expect(hugeCount?.description.contains("too large") == true)
        #expect(throws: EtcdSettingsError.self) { try EtcdSettings(["log_files": "/x"]) }
        #expect(throws: EtcdSettingsError.self) { try EtcdSettings(.string("x")) }
        // The registration surfaces the error when the subject is built.
        #expect(throws: EtcdSettingsError.self) {
            _ = try EtcdRegistration.registration.make(.init(endpoints: ["http://127.0.0.1:2379"], settings: ["nope": 1]))
        }
    }

    @Test("the process recipe: names e1…eN, client base+2i, peer base+2i+1, data under the state directory")
    func recipe() throws {
        let plan = try EtcdProcessRecipe.plan(DeploymentOptions(members: 3, basePort: 40000, stateDirectory: "/tmp/st"))
        #expect(plan.subject == "etcd")
        #expect(plan.members.map(\.entity) == ["member:e1", "member:e2", "member:e3"])
        #expect(plan.members.map(\.ports) == [[40000, 40001], [40002, 40003], [40004, 40005]])
        #expect(plan.members.map(\.endpoint) == ["http://127.0.0.1:40000", "http://127.0.0.1:40002", "http://127.0.0.1:40004"])
        #expect(plan.members[1].healthURL == "http://127.0.0.1:40002/health")
        #expect(plan.members[1].dataDirectory == "e2.data")
        let args = plan.members[1].arguments
        func flag(_ name: String) -> String? { args.firstIndex(of: name).map { args[$0 + 1] } }
        #expect(flag("--name") == "e2")
        #expect(flag("--data-dir") == "/tmp/st/e2.data")
        #expect(flag("--listen-peer-urls") == "http://127.0.0.1:40003")
        #expect(flag("--initial-cluster") == "e1=http://127.0.0.1:40001,e2=http://127.0.0.1:40003,e3=http://127.0.0.1:40005")
        #expect(flag("--logger") == "zap" && flag("--log-outputs") == "stderr")
        #expect(plan.installHint.contains("apt-get install etcd-server"))

        let defaults = try EtcdProcessRecipe.plan(DeploymentOptions(members: 1, stateDirectory: "rel"))
        #expect(defaults.members[0].ports == [2379, 2380], "e1 gets etcd's usual ports")
        #expect(defaults.members[0].arguments.contains { $0.hasPrefix("/") && $0.hasSuffix("/rel/e1.data") }, "absolute data dir")

        #expect(throws: EtcdProcessRecipe.OptionsError.self) { try EtcdProcessRecipe.plan(.init(members: 0, stateDirectory: "/t")) }
        #expect(throws: EtcdProcessRecipe.OptionsError.self) { try EtcdProcessRecipe.plan(.init(members: 3, basePort: 65533, stateDirectory: "/t")) }
        #expect(EtcdRegistration.registration.deployments["process"] != nil)
        #expect(EtcdRegistration.registration.defaultBackend == "process")
        #expect(EtcdRegistration.registration.endpointsEnvironmentVariable == "ETCDCTL_ENDPOINTS")
    }
}
