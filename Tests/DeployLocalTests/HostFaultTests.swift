import Foundation
import OperatorCore
import SubjectEtcd
import Testing
@testable import DeployLocal

/// The pieces of `slow-disk` and `partition` that read the machine: mounts, socket tables, ports.
@Suite("host faults: cgroups, sockets, ports")
struct HostFaultTests {
    static let v1Mounts = """
        tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0
        cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0
        cgroup /sys/fs/cgroup/blkio cgroup rw,relatime,blkio 0 0
        cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
        """
    static let v2Mounts = "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime 0 0\n/dev/vda / ext4 rw 0 0"

    @Test("the cgroup mounts come from /proc/self/mounts: a v1 blkio hierarchy and the v2 mount, wherever they are")
    func mounts() {
        let hybrid = CgroupFiles.current(mounts: Self.v1Mounts)
        #expect(hybrid.blkioMount == "/sys/fs/cgroup/blkio")
        #expect(hybrid.unifiedMount == "/sys/fs/cgroup/unified")
        let unified = CgroupFiles.current(mounts: Self.v2Mounts)
        #expect(unified.blkioMount == nil)
        #expect(unified.unifiedMount == "/sys/fs/cgroup")
        let none = CgroupFiles.current(mounts: "/dev/vda / ext4 rw 0 0")
        #expect(none.blkioMount == nil && none.unifiedMount == nil)
        #expect(CgroupFiles.groupName("slow-disk", "member:e2") == "operator-slow-disk-member-e2")
    }

    @Test("without any cgroup I/O controller, slow-disk and partition are offered as unavailable, with the reason in their JSON")
    func slowDiskUnavailable() async throws {
        let machine = CgroupFilesSnapshot.mounts("/dev/vda / ext4 rw 0 0")
        let offers = ProcessDeployment.processFaultOffers(memberKinds: ["member"], cgroups: machine)
        let slow = try #require(offers.first { $0.kind == "slow-disk" })
        let reason = try #require(slow.unavailable)
        // Not root is a reason too; as root (CI) it is the missing controller.
        #expect(reason.contains("cgroup"))
        let partition = try #require(offers.first { $0.kind == "partition" })
        #expect(partition.unavailable?.contains("cgroup") == true)
        // The offers JSON carries it for `chaos list --json`.
        let json = String(decoding: try JSONEncoder().encode(slow), as: UTF8.self)
        #expect(json.contains("\"unavailable\""))
    }

    @Test("a member's local TCP ports are read from its socket inodes in /proc/net/tcp")
    func socketTable() {
        // Two rows of a real /proc/net/tcp: 127.0.0.1:2380 (0x094C) listening, 127.0.0.1:41234 (0xA112) established.
        let table = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0100007F:094C 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 55501 1 0000000000000000 100 0 0 10 0
               1: 0100007F:A112 0100007F:094E 01 00000000:00000000 00:00000000 00000000     0        0 55502 1 0000000000000000 20 4 30 10 -1
               2: 0100007F:A113 0100007F:094E 01 00000000:00000000 00:00000000 00000000     0        0 99999 1 0000000000000000 20 4 30 10 -1
            """
        #expect(TCPSockets.localPorts(inTable: table, inodes: ["55501", "55502"]) == [2380, 41234])
        #expect(TCPSockets.localPorts(inTable: table, inodes: []) == [])
    }

    @Test("a partition keeps the member's client port and cuts the others; the rules name its cgroup")
    func partitionRules() {
        let member = ProcessClusterPlan.Member(
            entity: "member:e3", executable: "etcd", arguments: [], ports: [2383, 2384], endpoint: "http://127.0.0.1:2383",
            healthURL: "http://127.0.0.1:2383/health", dataDirectory: "e3.data")
        let (client, isolated) = ProcessDeployment.ports(of: member)
        #expect(client == 2383)
        #expect(isolated == [2384])
        let rules = PartitionFault.rules(group: "operator-partition-member-e3", clientPort: client, isolatedPorts: isolated)
        #expect(rules[0] == ["-p", "tcp", "-m", "cgroup", "--path", "operator-partition-member-e3", "!", "--sport", "2383", "-j", "DROP"])
        #expect(rules[1] == ["-p", "tcp", "--dport", "2384", "-j", "DROP"])
    }

    @Test("the etcd recipe's quota option sets --quota-backend-bytes on every member or on the named ones, and refuses nonsense")
    func etcdQuotaOption() throws {
        func arguments(_ quota: String) throws -> [String: [String]] {
            let plan = try EtcdProcessRecipe.plan(DeploymentOptions(
                members: 3, basePort: 30000, stateDirectory: "/tmp/x", extra: [EtcdProcessRecipe.quotaOption: quota]))
            return Dictionary(uniqueKeysWithValues: plan.members.map { ($0.entity.id ?? "", $0.arguments) })
        }
        let all = try arguments("1048576")
        #expect(all.values.allSatisfy { $0.suffix(2) == ["--quota-backend-bytes", "1048576"] })
        let one = try arguments("e2=1048576")
        #expect(one["e2"]?.suffix(2) == ["--quota-backend-bytes", "1048576"])
        #expect(one["e1"]?.contains("--quota-backend-bytes") == false)
        for bad in ["lots", "e9=1048576", "e2=12", "-5"] {
            let error = #expect(throws: EtcdProcessRecipe.OptionsError.self) { try arguments(bad) }
            #expect(error?.description.contains("quota-backend-bytes=\(bad)") == true)
        }
    }
}
