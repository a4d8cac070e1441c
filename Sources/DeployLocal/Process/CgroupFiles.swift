import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The cgroup hierarchies of this machine, as the host faults need them: a v1 `blkio` hierarchy or a v2
/// one with the `io` controller (I/O throttling), and the v2 mount (iptables' `-m cgroup --path`).
/// Paths come from /proc/self/mounts, never assumed.
struct CgroupFiles: Sendable {
    /// Where the cgroup v2 (unified) hierarchy is mounted, if anywhere.
    var unifiedMount: String?
    /// Where the cgroup v1 `blkio` hierarchy is mounted, if anywhere.
    var blkioMount: String?

    static func current(mounts: String = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? "") -> CgroupFiles {
        var found = CgroupFiles()
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 4 else { continue }
            let point = String(fields[1]), type = fields[2], options = fields[3].split(separator: ",")
            if type == "cgroup2", found.unifiedMount == nil { found.unifiedMount = point }
            if type == "cgroup", options.contains("blkio"), found.blkioMount == nil { found.blkioMount = point }
        }
        return found
    }

    /// The controllers the v2 root offers (`cgroup.controllers`).
    var unifiedControllers: [String] {
        guard let root = unifiedMount,
            let text = try? String(contentsOfFile: root + "/cgroup.controllers", encoding: .utf8)
        else { return [] }
        return text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    }

    /// A cgroup directory name safe for any entity (`member:e2` → `operator-slow-disk-member-e2`).
    static func groupName(_ purpose: String, _ entityText: String) -> String {
        "operator-\(purpose)-" + String(entityText.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" })
    }

    static var isRoot: Bool { geteuid() == 0 }

    static func write(_ text: String, to path: String) throws(CgroupWriteError) {
        do {
            try text.write(toFile: path, atomically: false, encoding: .utf8)
        } catch {
            throw CgroupWriteError(path: path, text: text, reason: "\(error.localizedDescription)")
        }
    }

    static func makeGroup(_ path: String) throws(CgroupWriteError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return }
        guard mkdir(path, 0o755) == 0 else {
            throw CgroupWriteError(path: path, text: "(mkdir)", reason: String(cString: strerror(errno)))
        }
    }

    /// Moves `pid` back to the hierarchy's root and removes the group; quiet when the process is gone.
    static func dissolve(group: String, root: String, pid: Int32) {
        // Writing 0 would move the writer itself: only a real pid goes back.
        if pid > 0 { try? write("\(pid)\n", to: root + "/cgroup.procs") }
        // A process just killed stays a member until the kernel has torn it down: rmdir answers EBUSY for
        // a moment. Try again for up to a second rather than leave the group behind.
        for _ in 0..<50 {
            if rmdir(group) == 0 || errno != EBUSY { return }
            usleep(20_000)
        }
    }
}

struct CgroupWriteError: Error, CustomStringConvertible {
    var path: String
    var text: String
    var reason: String
    var description: String { "writing \(text.trimmingCharacters(in: .whitespacesAndNewlines)) to \(path) failed: \(reason)" }
}
