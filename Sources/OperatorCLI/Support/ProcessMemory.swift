import Foundation
import Synchronization

/// This process's resident memory, from /proc/self/status (Linux).
enum ProcessMemory {
    static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kb = line.dropFirst("VmRSS:".count).trimmingCharacters(in: .whitespaces).split(separator: " ").first
            return kb.flatMap { Int($0) }.map { $0 * 1024 }
        }
        return nil
    }

    /// Samples resident memory every `interval` while `body` runs; returns the body's result and the peak.
    static func peak<T: Sendable>(every interval: Duration = .milliseconds(50), _ body: @Sendable () async throws -> T) async rethrows
        -> (T, peakBytes: Int)
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
}
