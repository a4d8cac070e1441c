import Foundation
import OperatorCore

/// The machine a run happened on, as the benchmark doc records it.
public struct BenchMachine: Encodable, Sendable {
    public var cpus: Int
    public var memoryGiB: Double
    public var os: String
    public var date: Date

    public static func current() -> BenchMachine {
        let info = ProcessInfo.processInfo
        return BenchMachine(
            cpus: info.activeProcessorCount, memoryGiB: Double(info.physicalMemory) / 1_073_741_824,
            os: Self.osRelease() ?? info.operatingSystemVersionString, date: Date())
    }

    public var markdown: String {
        "Machine: \(cpus) CPU(s), \(BenchFormat.number(memoryGiB)) GiB memory, \(os); run at \(Timestamp.format(date))."
    }

    /// PRETTY_NAME from /etc/os-release (`Debian GNU/Linux 12 (bookworm)`).
    static func osRelease() -> String? {
        guard let text = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            return String(line.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }

    enum CodingKeys: String, CodingKey {
        case cpus
        case memoryGiB = "memory_gib"
        case os, date
    }
}
