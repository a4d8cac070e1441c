import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Another process's CPU time, from /proc/<pid>/stat: what `operator serve` itself spent, apart from the
/// benchmark process that drives it (and here hosts the simulated clusters).
enum ProcessCPU {
    /// User plus system CPU seconds of `pid` so far (every thread), or nil where /proc cannot say.
    static func seconds(pid: Int32) -> Double? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        return seconds(statLine: String(decoding: data, as: UTF8.self), ticksPerSecond: clockTicksPerSecond)
    }

    /// `utime` + `stime` (fields 14 and 15) of one /proc/<pid>/stat line, in seconds. The command name
    /// (field 2) is in parentheses and may hold spaces and parentheses: the fields are split after the
    /// last `)`.
    static func seconds(statLine: String, ticksPerSecond: Int) -> Double? {
        guard ticksPerSecond > 0, let close = statLine.lastIndex(of: ")") else { return nil }
        let fields = statLine[statLine.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state): utime is field 14, stime field 15.
        guard fields.count > 12, let user = UInt64(fields[11]), let system = UInt64(fields[12]) else { return nil }
        let (total, overflow) = user.addingReportingOverflow(system)
        guard !overflow else { return nil }
        return Double(total) / Double(ticksPerSecond)
    }

    /// The kernel's clock ticks per second for those fields (`sysconf(_SC_CLK_TCK)`, 100 on Linux).
    static var clockTicksPerSecond: Int {
        let ticks = sysconf(Int32(_SC_CLK_TCK))
        return ticks > 0 ? ticks : 100
    }
}
