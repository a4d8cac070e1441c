import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `slow-disk`: the member's process is moved into a cgroup whose I/O controller throttles its writes to
/// the disk holding its data directory (v2 `io.max`, or v1 `blkio.throttle.*` where the machine still
/// mounts v1), so its fsyncs take tens of milliseconds and more while it keeps answering. Lifting moves
/// it back and removes the group.
enum SlowDiskFault {
    /// Writes a throttled process may issue per second, and bytes: a few fsyncs a second at most.
    static let writeIOPS = 10
    static let writeBytesPerSecond = 1 << 20

    /// Why this machine cannot throttle a process's I/O, or `nil` when it can.
    static func unavailableReason(cgroups: CgroupFiles = .current()) -> String? {
        guard CgroupFiles.isRoot else { return "throttling I/O writes cgroup files, which needs root (running as uid \(geteuid()))" }
        if let blkio = cgroups.blkioMount, FileManager.default.fileExists(atPath: blkio + "/blkio.throttle.write_iops_device") {
            return nil
        }
        if cgroups.unifiedMount != nil, cgroups.unifiedControllers.contains("io") { return nil }
        let unified = cgroups.unifiedMount.map { "the cgroup v2 mount \($0) offers no io controller (cgroup.controllers: \(cgroups.unifiedControllers.joined(separator: " ")))" }
            ?? "no cgroup v2 mount"
        return "no cgroup I/O controller: no cgroup v1 blkio hierarchy with throttling, and \(unified)"
    }

    static func apply(pid: Int32, dataDirectory: String, group name: String, cgroups: CgroupFiles = .current()) throws(HostFaultError) {
        let device = try BlockDevice.holding(dataDirectory)
        if let blkio = cgroups.blkioMount, FileManager.default.fileExists(atPath: blkio + "/blkio.throttle.write_iops_device") {
            let group = blkio + "/" + name
            do {
                try CgroupFiles.makeGroup(group)
                try CgroupFiles.write("\(device) \(writeIOPS)\n", to: group + "/blkio.throttle.write_iops_device")
                try CgroupFiles.write("\(device) \(writeBytesPerSecond)\n", to: group + "/blkio.throttle.write_bps_device")
                try CgroupFiles.write("\(pid)\n", to: group + "/cgroup.procs")
            } catch {
                CgroupFiles.dissolve(group: group, root: blkio, pid: pid)
                throw HostFaultError("\(error)")
            }
            return
        }
        guard let root = cgroups.unifiedMount, cgroups.unifiedControllers.contains("io") else {
            throw HostFaultError(unavailableReason(cgroups: cgroups) ?? "no cgroup I/O controller")
        }
        let group = root + "/" + name
        do {
            // A v2 group throttles only when its parent hands it the io controller.
            try CgroupFiles.write("+io\n", to: root + "/cgroup.subtree_control")
            try CgroupFiles.makeGroup(group)
            try CgroupFiles.write("\(device) wiops=\(writeIOPS) wbps=\(writeBytesPerSecond)\n", to: group + "/io.max")
            try CgroupFiles.write("\(pid)\n", to: group + "/cgroup.procs")
        } catch {
            CgroupFiles.dissolve(group: group, root: root, pid: pid)
            throw HostFaultError("\(error)")
        }
    }

    static func remove(pid: Int32, group name: String, cgroups: CgroupFiles = .current()) {
        for root in [cgroups.blkioMount, cgroups.unifiedMount].compactMap({ $0 }) {
            let group = root + "/" + name
            if FileManager.default.fileExists(atPath: group) { CgroupFiles.dissolve(group: group, root: root, pid: pid) }
        }
    }
}

/// The whole disk (`major:minor`) a path lives on: I/O throttling names disks, not partitions.
enum BlockDevice {
    static func holding(_ path: String) throws(HostFaultError) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw HostFaultError("cannot stat the data directory \(path): \(String(cString: strerror(errno)))")
        }
        let dev = UInt64(truncatingIfNeeded: info.st_dev)
        // glibc's encoding of dev_t (gnu_dev_major / gnu_dev_minor).
        let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff))
        let minor = (dev & 0xff) | ((dev >> 12) & ~UInt64(0xff))
        guard major != 0 else {
            throw HostFaultError("the data directory \(path) is on a filesystem with no block device (device \(major):\(minor), e.g. tmpfs or overlay); put the deployment's state directory on a disk")
        }
        let sys = "/sys/dev/block/\(major):\(minor)"
        if FileManager.default.fileExists(atPath: sys + "/partition") {
            let resolved = URL(fileURLWithPath: sys).resolvingSymlinksInPath().deletingLastPathComponent().path
            if let whole = try? String(contentsOfFile: resolved + "/dev", encoding: .utf8) {
                return whole.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        return "\(major):\(minor)"
    }
}

/// A host fault could not be applied; the text names the file, command or device.
struct HostFaultError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
