import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `posix_spawn` with the child set up the way a supervisor needs it.
///
/// Why not Foundation's `Process`: it spawns with the calling thread's signal mask, and Swift concurrency
/// runs on dispatch worker threads that block SIGTERM and friends — a child started from async code then
/// ignores `terminate()`. Here the child always gets an empty signal mask and default dispositions for
/// the common signals (Swift runtimes ignore SIGPIPE, and ignored dispositions survive exec), and no
/// descriptor of the caller beyond those the file actions set up.
public enum ProcessSpawner {
    public struct SpawnError: Error, CustomStringConvertible {
        public let executable: String
        public let reason: String
        public var description: String { "cannot start \(executable): \(reason)" }
    }

    public enum Grouping: Sendable {
        /// A new session (and process group): detached from the caller's terminal and signals.
        case newSession
        /// A new process group in the caller's session: signalled as a group, still tied to the terminal.
        case newProcessGroup
    }

    /// glibc's value of POSIX_SPAWN_SETSID; the Glibc module hides it behind _GNU_SOURCE.
    private static let spawnSetSID: Int32 = 0x80

    /// Starts `executable` (an absolute path) and returns its pid. `fileActions` sets up descriptors 0–2.
    public static func spawn(
        executable: String, arguments: [String], environment: [String: String], grouping: Grouping,
        fileActions configure: (inout posix_spawn_file_actions_t) -> Void
    ) throws(SpawnError) -> pid_t {
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        configure(&fileActions)
        closeInheritedDescriptors(&fileActions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var flags = Int32(POSIX_SPAWN_SETSIGMASK) | Int32(POSIX_SPAWN_SETSIGDEF)
        switch grouping {
        case .newSession:
            #if canImport(Darwin)
            flags |= Int32(POSIX_SPAWN_SETSID)
            #else
            flags |= spawnSetSID
            #endif
        case .newProcessGroup:
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGCHLD, SIGUSR1, SIGUSR2] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let argv = ([executable] + arguments).map { strdup($0) }
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") }
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = (argv + [nil]).withUnsafeBufferPointer { argvBuffer in
            (envp + [nil]).withUnsafeBufferPointer { envpBuffer in
                guard let argv = argvBuffer.baseAddress, let envp = envpBuffer.baseAddress else { return EINVAL }
                return posix_spawn(&pid, executable, &fileActions, &attributes, argv, envp)
            }
        }
        guard result == 0 else {
            throw SpawnError(executable: executable, reason: String(cString: strerror(result)))
        }
        return pid
    }

    /// Closes every descriptor above stderr in the child, where the C library offers it (glibc 2.34+), so
    /// a child never inherits the caller's sockets, pipes or database files.
    private static func closeInheritedDescriptors(_ fileActions: inout posix_spawn_file_actions_t) {
        #if canImport(Glibc)
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else { return }
        let closeFrom = unsafeBitCast(symbol, to: CloseFrom.self)
        _ = closeFrom(&fileActions, 3)
        #endif
    }
}
