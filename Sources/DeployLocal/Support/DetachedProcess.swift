import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Identifies one started process across CLI invocations: its pid plus, on Linux, its start time in clock
/// ticks since boot, so a pid the kernel has since reused for another program is never signalled.
public struct ProcessHandle: Sendable, Codable, Hashable, CustomStringConvertible {
    public var pid: Int32
    public var startTicks: UInt64?

    public init(pid: Int32, startTicks: UInt64?) {
        self.pid = pid
        self.startTicks = startTicks
    }

    public var description: String { "pid \(pid)" }

    enum CodingKeys: String, CodingKey {
        case pid
        case startTicks = "start_ticks"
    }
}

/// Starts programs detached from the caller and watches them by pid.
///
/// A member runs in a session of its own (`setsid`), with stdin from /dev/null and stdout and stderr
/// appended to its log file, so it outlives the CLI that started it and ignores the terminal's signals.
public enum DetachedProcess {
    public typealias SpawnError = ProcessSpawner.SpawnError

    public static func spawn(
        executable: String, arguments: [String], environment: [String: String], logFile: String
    ) throws(SpawnError) -> ProcessHandle {
        let pid = try ProcessSpawner.spawn(
            executable: executable, arguments: arguments, environment: environment, grouping: .newSession
        ) { actions in
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, logFile, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        return ProcessHandle(pid: pid, startTicks: ProcStat.read(pid: pid)?.startTicks)
    }

    /// Whether the process is still running. Reaps it first when it is this process's exited child (a
    /// zombie still answers `kill(pid, 0)`), and treats a zombie or a reused pid as gone.
    public static func isRunning(_ handle: ProcessHandle) -> Bool {
        reapIfExited(handle.pid)
        #if os(Linux)
        guard let stat = ProcStat.read(pid: handle.pid) else { return false }
        if stat.state == "Z" || stat.state == "X" { return false }
        if let expected = handle.startTicks, expected != stat.startTicks { return false }
        return true
        #else
        return kill(handle.pid, 0) == 0 || errno == EPERM
        #endif
    }

    /// How the process ended, when this process reaped it ("exited with status 1", "killed by SIGKILL").
    public static func exitDescription(_ handle: ProcessHandle) -> String? {
        reapIfExited(handle.pid)
        return ReapedStatuses.shared.describe(handle.pid)
    }

    /// Sends a signal to the process's group (it leads its own session, so the group is its own and any
    /// children it forked go too). Returns false when it was not running.
    @discardableResult
    public static func signal(_ handle: ProcessHandle, _ signal: Int32) -> Bool {
        guard isRunning(handle) else { return false }
        if kill(-handle.pid, signal) == 0 { return true }
        return kill(handle.pid, signal) == 0
    }

    /// SIGTERM, then SIGKILL once `grace` has passed; returns when the process is gone (or after a last
    /// second of waiting for the kernel to reap a SIGKILLed process). Returns whether SIGKILL was needed.
    @discardableResult
    public static func stop(_ handle: ProcessHandle, grace: Duration) async -> Bool {
        guard signal(handle, SIGTERM) else { return false }
        // A member frozen by `chaos inject stop` would hold SIGTERM pending until the grace runs out.
        signal(handle, SIGCONT)
        if await waitForExit(handle, within: grace) { return false }
        signal(handle, SIGKILL)
        _ = await waitForExit(handle, within: .seconds(1))
        return true
    }

    /// Polls until the process is gone; false when it is still running after `within`.
    public static func waitForExit(_ handle: ProcessHandle, within: Duration) async -> Bool {
        let deadline = ContinuousClock.now + within
        while isRunning(handle) {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    private static func reapIfExited(_ pid: Int32) {
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            ReapedStatuses.shared.record(pid: pid, status: status)
        }
    }
}

/// Exit statuses of children this process reaped, kept so an error can say how a member ended.
final class ReapedStatuses: Sendable {
    static let shared = ReapedStatuses()
    private let statuses = Mutex<[Int32: Int32]>([:])

    func record(pid: Int32, status: Int32) { statuses.withLock { $0[pid] = status } }

    func describe(_ pid: Int32) -> String? {
        guard let status = statuses.withLock({ $0[pid] }) else { return nil }
        let signal = status & 0x7f
        if signal == 0 { return "exited with status \((status >> 8) & 0xff)" }
        let name: String =
            switch signal {
            case SIGKILL: "SIGKILL"
            case SIGTERM: "SIGTERM"
            case SIGINT: "SIGINT"
            case SIGABRT: "SIGABRT"
            case SIGSEGV: "SIGSEGV"
            default: "signal \(signal)"
            }
        return "killed by \(name)"
    }
}

/// The fields of /proc/<pid>/stat this module needs.
struct ProcStat {
    var state: Character
    var startTicks: UInt64

    static func read(pid: Int32) -> ProcStat? {
        #if os(Linux)
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        // The command name (field 2) is in parentheses and may hold spaces: split after the last ')'.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); starttime is field 22.
        guard fields.count > 19, let state = fields[0].first, let start = UInt64(fields[19]) else { return nil }
        return ProcStat(state: state, startTicks: start)
        #else
        return nil
        #endif
    }
}
