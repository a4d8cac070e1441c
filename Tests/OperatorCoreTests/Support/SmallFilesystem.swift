import Foundation

/// A real, tiny filesystem (tmpfs) the test can fill to the last byte and free again, so the ticket
/// database meets a genuine ENOSPC/SQLITE_FULL. Mounting needs root: CI runs as root on the same kind
/// of machine; elsewhere the suite says so and skips.
struct SmallFilesystem {
    let directory: URL
    var filler: String { file("filler") }

    func file(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Mounts a tmpfs of `size` (mount's syntax: `1m`, `200k`) on a fresh temporary directory.
    init(size: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("operator-fs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let status = Self.run(["mount", "-t", "tmpfs", "-o", "size=\(size)", "tmpfs", directory.path])
        guard status == 0 else {
            try? FileManager.default.removeItem(at: directory)
            throw MountFailure(description: "mount -t tmpfs on \(directory.path) exited \(status)")
        }
    }

    /// Writes zeros until the filesystem refuses another byte.
    func fill() throws {
        FileManager.default.createFile(atPath: filler, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: filler) else {
            throw MountFailure(description: "cannot open \(filler)")
        }
        defer { try? handle.close() }
        for chunk in [65_536, 4096, 512, 1] {
            let zeros = Data(count: chunk)
            while (try? handle.write(contentsOf: zeros)) != nil {}
        }
    }

    /// Gives the space back.
    func free() throws { try FileManager.default.removeItem(atPath: filler) }

    /// Detaches lazily (the database may still hold its files open) and removes the mount point.
    func unmount() {
        _ = Self.run(["umount", "-l", directory.path])
        try? FileManager.default.removeItem(at: directory)
    }

    /// Whether this process may mount a tmpfs (root, and a kernel/sandbox that allows it), tried once.
    static let canMount: Bool = {
        guard getuid() == 0, let fs = try? SmallFilesystem(size: "64k") else { return false }
        fs.unmount()
        return true
    }()

    struct MountFailure: Error, CustomStringConvertible { let description: String }

    private static func run(_ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()  // mount and umount return at once
        return process.terminationStatus
    }
}
