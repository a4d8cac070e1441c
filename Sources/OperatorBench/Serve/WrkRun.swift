import Foundation
import OperatorCore

/// Runs Debian's `wrk` against one URL and reads its report. wrk is a child process with its output in a
/// file (never a pipe that could fill), waited on without blocking a thread, and killed when the caller
/// is cancelled or the run outlives its duration by a generous margin (a hang guard, not a measurement).
struct WrkRun {
    struct Settings: Sendable, Equatable {
        var threads: Int
        var connections: Int
        var duration: Duration
    }

    let executable: String
    let settings: Settings

    /// `wrk` on PATH, or a clear error saying how to install it.
    static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws(BenchmarkError) -> String {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = (String(directory) as NSString).appendingPathComponent("wrk")
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw .failed("wrk is not installed (not on PATH: \(path)): install Debian's with `apt-get install wrk`, then run the benchmark again")
    }

    /// wrk's arguments for `url`: `--latency` for the distribution the report reads.
    func arguments(url: String) -> [String] {
        let seconds = max(1, Int(checking: settings.duration.seconds.rounded(.up)) ?? 1)
        return ["-t", "\(settings.threads)", "-c", "\(settings.connections)", "-d", "\(seconds)s", "--latency", "--timeout", "10s", url]
    }

    func measure(url: String, outputFile: String) async throws -> WrkOutput {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments(url: url)
        guard FileManager.default.createFile(atPath: outputFile, contents: nil), let output = FileHandle(forWritingAtPath: outputFile) else {
            throw BenchmarkError.failed("cannot write wrk's output to \(outputFile)")
        }
        defer { try? output.close() }
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw BenchmarkError.failed("cannot run \(executable): \(error)")
        }
        let guardTime = settings.duration + .seconds(60)
        let deadline = ContinuousClock.now + guardTime
        do {
            while process.isRunning {
                try Task.checkCancellation()
                if ContinuousClock.now > deadline {
                    process.terminate()
                    throw BenchmarkError.failed("wrk did not finish within \(guardTime) for \(url) (a \(settings.duration) run); its output: \(outputFile)")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        } catch {
            if process.isRunning { process.terminate() }
            throw error
        }
        let text = (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            throw BenchmarkError.failed("wrk exited with status \(process.terminationStatus) for \(url): \(text.prefix(400))")
        }
        do { return try WrkOutput.parse(text) } catch {
            throw BenchmarkError.failed("\(url): \(error.description)")
        }
    }
}
