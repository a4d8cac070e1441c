import Foundation
import OperatorCore
import SubjectEtcd
import Testing
@testable import DeployLocal

/// The etcd recipe's faults and the process backend's host faults on a real 3-member etcd (Debian's
/// etcd-server), checked through the gateway with curl as an operator would.
@Suite("etcd recipe faults on real etcd")
struct EtcdRecipeFaultTests {
    static func curl(_ url: String, _ body: String? = nil) async throws -> [String: Any] {
        var arguments = ["-s", "-m", "5", url]
        if let body { arguments += ["-X", "POST", "-d", body] }
        let out = try await CommandRunner.run("curl", arguments, timeout: .seconds(10))
        return (try? JSONSerialization.jsonObject(with: Data(out.standardOutput.utf8))) as? [String: Any] ?? [:]
    }

    /// Polls `check` every 200 ms; false after `within` (a hang guard, not a timing assertion).
    static func eventually(within: Duration = .seconds(30), _ check: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            if try await check() { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    @Test("move-leader, nospace (and its lift), slow-disk, partition and member-remove do what they say to real etcd")
    func faultsOnRealEtcd() async throws {
        guard ExecutableLookup.find("etcd") != nil, ExecutableLookup.find("curl") != nil else {
            print("skipped: etcd or curl is not installed (apt-get install etcd-server curl)")
            return
        }
        let state = try TemporaryStateDirectory()
        defer { state.cleanup() }
        let base = try #require(LocalPorts.freeBlock(count: 6))
        let plan = try EtcdProcessRecipe.plan(DeploymentOptions(
            members: 3, basePort: base, stateDirectory: state.path, extra: [EtcdProcessRecipe.quotaOption: "e2=1048576"]))
        let fresh = ProcessDeployment(plan: plan, stateDirectory: state.path, stopGracePeriod: .seconds(5), recipeFaults: EtcdProcessFaults())
        _ = try await fresh.up { _ in }
        // Another CLI process finds the recipe's faults again from the recorded subject.
        let deployment = try LocalDeployments.load(stateDirectory: state.path, recipeFaults: { subject, backend in
            subject == "etcd" && backend == "process" ? EtcdProcessFaults() : nil
        })
        var failure: (any Error)?
        do { try await Self.exercise(deployment, base: base) } catch { failure = error }
        // Down undoes the host faults (iptables rules, cgroups) whatever happened; cleanup then kills by pid.
        try? await deployment.down(removeState: false)
        if let failure { throw failure }
    }

    static func exercise(_ deployment: any Deployment, base: Int) async throws {
        let kinds = deployment.faultOffers.map(\.kind)
        for kind in ["nospace", "move-leader", "member-remove", "slow-disk", "partition", "stop"] { #expect(kinds.contains(kind)) }
        let client = { (i: Int) in "http://127.0.0.1:\(base + 2 * i)" }
        var ids: [String: String] = [:]
        for member in try await curl(client(0) + "/v3/cluster/member/list", "{}")["members"] as? [[String: Any]] ?? [] {
            if let name = member["name"] as? String, let id = member["ID"] as? String { ids[name] = id }
        }
        #expect(ids.count == 3)

        // move-leader: e2 leads afterwards, as every member reports.
        try await deployment.inject(DeploymentFault(kind: "move-leader", entity: "member:e2"))
        #expect(try await curl(client(0) + "/v3/maintenance/status", "{}")["leader"] as? String == ids["e2"])
        try await deployment.inject(DeploymentFault(kind: "move-leader", entity: "cluster"))
        #expect(try await curl(client(0) + "/v3/maintenance/status", "{}")["leader"] as? String == ids["e1"])

        // nospace through e1, whose quota is etcd's default: e2's 1 MiB fills first, and the fault says so
        // instead of claiming e1 raised it. Lifted, the cluster takes writes again.
        let elsewhere = await #expect(throws: EtcdFaultError.self) {
            try await deployment.inject(DeploymentFault(kind: "nospace", entity: "member:e1"))
        }
        #expect(elsewhere?.description.contains("raised by member:e2") == true, "\(elsewhere?.description ?? "")")
        #expect(elsewhere?.description.contains("quota-backend-bytes=e1=") == true)
        try await deployment.lift(DeploymentFault(kind: "nospace", entity: "member:e1"))
        #expect(try await curl(client(0) + "/v3/maintenance/alarm", #"{"action":"GET"}"#)["alarms"] == nil)

        // nospace: the NOSPACE alarm names e2 (its quota is 1 MiB); lift disarms it and writes work again.
        try await deployment.inject(DeploymentFault(kind: "nospace", entity: "member:e2"))
        let alarms = try await curl(client(0) + "/v3/maintenance/alarm", #"{"action":"GET"}"#)["alarms"] as? [[String: Any]] ?? []
        #expect(alarms.contains { $0["memberID"] as? String == ids["e2"] && $0["alarm"] as? String == "NOSPACE" })
        try await deployment.lift(DeploymentFault(kind: "nospace", entity: "member:e2"))
        #expect(try await curl(client(0) + "/v3/maintenance/alarm", #"{"action":"GET"}"#)["alarms"] == nil)
        let put = try await curl(client(1) + "/v3/kv/put", #"{"key":"aw==","value":"dg=="}"#)
        #expect(put["error"] == nil && put["header"] != nil)

        let status = try await deployment.status()
        let pid = { (name: String) in status.members.first { $0.entity.id == name }?.pid ?? 0 }
        let offers = deployment.faultOffers
        // slow-disk: e2's process sits in the throttling cgroup until lifted.
        if offers.first(where: { $0.kind == "slow-disk" })?.unavailable == nil {
            try await deployment.inject(DeploymentFault(kind: "slow-disk", entity: "member:e2"))
            let cgroup = { (pid: Int32) in (try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)) ?? "" }
            #expect(cgroup(pid("e2")).contains("operator-slow-disk-member-e2"))
            let throttled = try await deployment.status().members.first { $0.entity == "member:e2" }
            #expect(throttled?.detail?.contains("host faults in force: slow-disk") == true)
            try await deployment.lift(DeploymentFault(kind: "slow-disk", entity: "member:e2"))
            #expect(!cgroup(pid("e2")).contains("operator-slow-disk-member-e2"))
            // A restart starts the member free of it, and the group is gone.
            try await deployment.inject(DeploymentFault(kind: "slow-disk", entity: "member:e2"))
            try await deployment.restart("member:e2")
            let restarted = try await deployment.status().members.first { $0.entity == "member:e2" }
            #expect(restarted?.detail?.contains("host faults") == false)
            let newGroups = cgroup(restarted?.pid ?? 0)
            #expect(!newGroups.isEmpty && !newGroups.contains("operator-slow-disk"))
            let groups = [CgroupFiles.current().blkioMount, CgroupFiles.current().unifiedMount].compactMap { $0 }
            #expect(groups.allSatisfy { !FileManager.default.fileExists(atPath: $0 + "/operator-slow-disk-member-e2") })
        } else {
            print("slow-disk not exercised: \(offers.first { $0.kind == "slow-disk" }?.unavailable ?? "")")
        }
        // partition: e3 keeps answering on its client port but loses the leader; lifting brings it back.
        if offers.first(where: { $0.kind == "partition" })?.unavailable == nil {
            try await deployment.inject(DeploymentFault(kind: "partition", entity: "member:e3"))
            let lost = try await eventually { try await curl(client(2) + "/health")["health"] as? String == "false" }
            #expect(lost, "a partitioned member answers /health with false once it has no leader")
            #expect(try await curl(client(0) + "/health")["health"] as? String == "true")
            try await deployment.lift(DeploymentFault(kind: "partition", entity: "member:e3"))
            let back = try await eventually { try await curl(client(2) + "/health")["health"] as? String == "true" }
            #expect(back, "lifted, e3 rejoins")
        } else {
            print("partition not exercised: \(offers.first { $0.kind == "partition" }?.unavailable ?? "")")
        }

        // member-remove: two members left, and the backend stopped e3 with the reason.
        try await deployment.inject(DeploymentFault(kind: "member-remove", entity: "member:e3"))
        let members = try await curl(client(0) + "/v3/cluster/member/list", "{}")["members"] as? [[String: Any]] ?? []
        #expect(members.compactMap { $0["name"] as? String }.sorted() == ["e1", "e2"])
        let after = try await deployment.status()
        let e3 = after.members.first { $0.entity == "member:e3" }
        #expect(e3?.state == .stopped)
        #expect(e3?.detail?.contains("member-remove") == true)
        // It cannot be lifted, and says so.
        await #expect(throws: UnsupportedFaultError.self) {
            try await deployment.lift(DeploymentFault(kind: "member-remove", entity: "member:e3"))
        }
    }
}
