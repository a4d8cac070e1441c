import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// This process's own CPU time and peak resident memory, for what a tick costs Operator alone (the
/// simulator is another process, so sharing the cores does not add to these numbers).
enum ProcessUsage {
    /// User plus system CPU seconds this process has used (`getrusage(RUSAGE_SELF)`), every thread.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// Resets the kernel's peak-RSS mark (`VmHWM`) to the current RSS (Linux ≥ 4.0: `5` to
    /// /proc/self/clear_refs). Returns false where that is not possible; the peak then also covers
    /// what ran before.
    @discardableResult
    static func resetPeakResident() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do {
            try handle.write(contentsOf: Data("5".utf8))
            return true
        } catch {
            return false
        }
    }

    /// Resident bytes by kind now (`RssAnon`, `RssFile` of /proc/self/status): heap and stacks against the
    /// mapped binary and libraries, which a process of this size cannot shed.
    static func residentByKind() -> (anonymous: Int, file: Int)? {
        guard let anonymous = statusKilobytes("RssAnon:"), let file = statusKilobytes("RssFile:") else { return nil }
        return (anonymous * 1024, file * 1024)
    }

    private static func statusKilobytes(_ field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field) {
            let kb = line.dropFirst(field.count).trimmingCharacters(in: .whitespaces).split(separator: " ").first
            return kb.flatMap { Int($0) }
        }
        return nil
    }

    /// Peak resident bytes since the last reset (`VmHWM` of /proc/self/status).
    static func peakResidentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.dropFirst("VmHWM:".count).trimmingCharacters(in: .whitespaces).split(separator: " ").first
            return kb.flatMap { Int($0) }.map { $0 * 1024 }
        }
        return nil
    }
}
