import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A process's own CPU time and resident memory, for what a benchmark costs Operator alone (a simulator
/// is another process, so sharing the cores does not add to these numbers). Memory comes from
/// /proc/<pid>/status (Linux); elsewhere it is nil.
public enum ProcessUsage {
    /// User plus system CPU seconds this process has used (`getrusage(RUSAGE_SELF)`), every thread.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// Resident bytes now (`VmRSS`) of this process, or of `pid`.
    public static func residentBytes(pid: Int32? = nil) -> Int? {
        statusKilobytes("VmRSS:", pid: pid).map { $0 * 1024 }
    }

    /// Samples resident memory every `interval` while `body` runs; returns the body's result and the peak.
    public static func peak<T: Sendable>(every interval: Duration = .milliseconds(50), _ body: @Sendable () async throws -> T)
        async rethrows -> (T, peakBytes: Int)
    {
        let peak = Mutex(residentBytes() ?? 0)
        let sampler = Task {
            while !Task.isCancelled {
                if let now = residentBytes() { peak.withLock { $0 = max($0, now) } }
                try? await Task.sleep(for: interval)
            }
        }
        defer { sampler.cancel() }
        let result = try await body()
        if let now = residentBytes() { peak.withLock { $0 = max($0, now) } }
        return (result, peak.withLock { $0 })
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

    /// Resident bytes by kind now (`RssAnon`, `RssFile`): heap and stacks against the mapped binary and
    /// libraries, which a process of this size cannot shed.
    static func residentByKind() -> (anonymous: Int, file: Int)? {
        guard let anonymous = statusKilobytes("RssAnon:"), let file = statusKilobytes("RssFile:") else { return nil }
        return (anonymous * 1024, file * 1024)
    }

    /// Peak resident bytes since the last reset (`VmHWM`).
    static func peakResidentBytes() -> Int? {
        statusKilobytes("VmHWM:").map { $0 * 1024 }
    }

    /// One `Field:   1234 kB` line of /proc/<pid>/status, in kB.
    static func statusKilobytes(_ field: String, pid: Int32? = nil) -> Int? {
        let file = "/proc/\(pid.map(String.init) ?? "self")/status"
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        return statusKilobytes(field, in: text)
    }

    static func statusKilobytes(_ field: String, in text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix(field) {
            let kb = line.dropFirst(field.count).trimmingCharacters(in: .whitespaces).split(separator: " ").first
            return kb.flatMap { Int($0) }
        }
        return nil
    }
}
