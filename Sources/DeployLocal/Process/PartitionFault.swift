import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `partition`: cuts one member off from its peers on loopback while its client port still answers (the
/// operator on this host keeps seeing it, as a monitor outside a real partition may).
///
/// Every member shares 127.0.0.1, so ports alone cannot tell a member's outgoing connections (ephemeral
/// source ports) from anyone else's. The process is therefore moved into its own cgroup v2 group and
/// iptables drops every TCP packet its sockets send except from its client port, plus everything sent to
/// its other (peer) ports. Sockets opened before the move keep their old group, so the member's
/// established TCP connections are reset (`ss -K`, by their local ports) and redialled from the group.
enum PartitionFault {
    static func unavailableReason(cgroups: CgroupFiles = .current()) -> String? {
        guard CgroupFiles.isRoot else { return "a partition needs root for iptables and cgroups (running as uid \(geteuid()))" }
        guard cgroups.unifiedMount != nil else { return "no cgroup v2 mount for iptables' cgroup match (see /proc/self/mounts)" }
        for tool in ["iptables", "ss"] where ExecutableLookup.find(tool) == nil {
            return "\(tool) is not installed (apt-get install \(tool == "ss" ? "iproute2" : "iptables"))"
        }
        return nil
    }

    /// The iptables rules (for `-I`/`-D` in the OUTPUT chain) that isolate the member.
    static func rules(group: String, clientPort: Int, isolatedPorts: [Int]) -> [[String]] {
        var rules = [["-p", "tcp", "-m", "cgroup", "--path", group, "!", "--sport", "\(clientPort)", "-j", "DROP"]]
        for port in isolatedPorts { rules.append(["-p", "tcp", "--dport", "\(port)", "-j", "DROP"]) }
        return rules
    }

    static func apply(
        pid: Int32, group name: String, clientPort: Int, isolatedPorts: [Int], cgroups: CgroupFiles = .current()
    ) async throws(HostFaultError) {
        if let reason = unavailableReason(cgroups: cgroups) { throw HostFaultError(reason) }
        guard let root = cgroups.unifiedMount else { throw HostFaultError("no cgroup v2 mount") }
        let group = root + "/" + name
        do {
            try CgroupFiles.makeGroup(group)
            try CgroupFiles.write("\(pid)\n", to: group + "/cgroup.procs")
        } catch {
            CgroupFiles.dissolve(group: group, root: root, pid: pid)
            throw HostFaultError("\(error)")
        }
        var added: [[String]] = []
        for rule in rules(group: name, clientPort: clientPort, isolatedPorts: isolatedPorts) {
            do {
                _ = try await CommandRunner.runChecked("iptables", ["-w", "-I", "OUTPUT"] + rule, timeout: .seconds(20))
                added.append(rule)
            } catch {
                for done in added { _ = try? await CommandRunner.run("iptables", ["-w", "-D", "OUTPUT"] + done, timeout: .seconds(20)) }
                CgroupFiles.dissolve(group: group, root: root, pid: pid)
                throw HostFaultError("\(error)")
            }
        }
        // Reset what the member had open before the move (except on its client port), so it redials from
        // the group and every peer connection of its is cut.
        let ports = TCPSockets.localPorts(of: pid).filter { $0 != clientPort }
        for chunk in stride(from: 0, to: ports.count, by: 20) {
            let some = ports[chunk..<min(chunk + 20, ports.count)]
            let filter = "( " + some.map { "sport = :\($0)" }.joined(separator: " or ") + " )"
            _ = try? await CommandRunner.run("ss", ["-K", "-t", filter], timeout: .seconds(20))
        }
    }

    static func remove(pid: Int32, group name: String, clientPort: Int, isolatedPorts: [Int], cgroups: CgroupFiles = .current()) async {
        for rule in rules(group: name, clientPort: clientPort, isolatedPorts: isolatedPorts) {
            // A rule inserted twice is deleted twice; stop at the first "no such rule".
            for _ in 0..<4 {
                guard let out = try? await CommandRunner.run("iptables", ["-w", "-D", "OUTPUT"] + rule, timeout: .seconds(20)),
                    out.succeeded
                else { break }
            }
        }
        if let root = cgroups.unifiedMount { CgroupFiles.dissolve(group: root + "/" + name, root: root, pid: pid) }
    }
}

/// The local TCP ports of one process's sockets: its socket inodes (/proc/PID/fd) looked up in the
/// network namespace's tables (/proc/PID/net/tcp, tcp6).
enum TCPSockets {
    static func localPorts(of pid: Int32) -> [Int] {
        let fdDirectory = "/proc/\(pid)/fd"
        guard let fds = try? FileManager.default.contentsOfDirectory(atPath: fdDirectory) else { return [] }
        var inodes = Set<String>()
        for fd in fds {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: fdDirectory + "/" + fd),
                target.hasPrefix("socket:[")
            else { continue }
            inodes.insert(String(target.dropFirst("socket:[".count).dropLast()))
        }
        var ports = Set<Int>()
        for table in ["tcp", "tcp6"] {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/net/\(table)", encoding: .utf8) else { continue }
            ports.formUnion(localPorts(inTable: text, inodes: inodes))
        }
        return ports.sorted()
    }

    /// Rows of /proc/net/tcp: `sl local_address rem_address st … uid timeout inode`, addresses `HEXIP:HEXPORT`.
    static func localPorts(inTable text: String, inodes: Set<String>) -> [Int] {
        var ports: [Int] = []
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > 9, inodes.contains(String(fields[9])),
                let portText = fields[1].split(separator: ":").last, let port = Int(portText, radix: 16)
            else { continue }
            ports.append(port)
        }
        return ports
    }
}
