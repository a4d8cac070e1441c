import Foundation
import OperatorTestSupport
import Synchronization

/// Runs the built `operator` executable, as a user would from a shell.
struct OperatorBinary {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(stdout.utf8), options: [.fragmentsAllowed]) }
    }

    static var path: String {
        let candidate = PackagePaths.buildProducts.appendingPathComponent("operator").path
        return FileManager.default.isExecutableFile(atPath: candidate)
            ? candidate : PackagePaths.root.appendingPathComponent(".build/debug/operator").path
    }

    /// Runs to completion (or kills it after `timeout`).
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil,
                    timeout: Duration = .seconds(120)) async throws -> Result {
        let process = try start(arguments, environment: environment, directory: directory)
        return try await process.wait(timeout: timeout)
    }

    static func start(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil) throws -> Running {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        // Tests never inherit a developer's settings.
        for key in ["OPERATOR_DB", "OPERATOR_CONFIG", "OPERATOR_SUBJECT", "PD_ENDPOINT", "ETCDCTL_ENDPOINTS", "PROMETHEUS_URL",
                    "ANTHROPIC_API_KEY", "OPENAI_API_KEY", "OPERATOR_STATE_DIR"] { env[key] = nil }
        for (k, v) in environment { env[k] = v }
        p.environment = env
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let running = Running(process: p, out: out, err: err)
        try p.run()
        return running
    }

    /// Output collected from a pipe as it arrives, by a reader on a thread of its own (never a
    /// cooperative one) that runs to end of file, so a result holds everything the process wrote.
    final class Collected: Sendable {
        private let data = Mutex(Data())
        private let ended = Mutex(false)

        init(_ handle: FileHandle) {
            Thread.detachNewThread { [self] in
                while true {
                    let chunk = handle.availableData  // blocks until data or end of file
                    if chunk.isEmpty { break }
                    data.withLock { $0.append(chunk) }
                }
                ended.withLock { $0 = true }
            }
        }

        var text: String { data.withLock { String(decoding: $0, as: UTF8.self) } }
        /// The writer closed the pipe: the process (and anything that inherited its output) is gone.
        var isComplete: Bool { ended.withLock { $0 } }
    }

    final class Running: @unchecked Sendable {
        let process: Process
        private let out: Collected
        private let err: Collected

        init(process: Process, out outPipe: Pipe, err errPipe: Pipe) {
            self.process = process
            out = Collected(outPipe.fileHandleForReading)
            err = Collected(errPipe.fileHandleForReading)
        }

        var pid: Int32 { process.processIdentifier }
        var stderrSoFar: String { err.text }
        var stdoutSoFar: String { out.text }

        func signal(_ s: Int32) { kill(process.processIdentifier, s) }

        /// Waits without blocking a thread: every suite shares one test process, and a test that parks
        /// a cooperative thread for minutes starves the async tests running beside it.
        func wait(timeout: Duration) async throws -> Result {
            let deadline = ContinuousClock.now + timeout
            while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            // Everything written before exit is still in the pipes: read to end of file (bounded, in case a
            // child the process left behind still holds its output open).
            let drained = ContinuousClock.now + .seconds(10)
            while !(out.isComplete && err.isComplete) && ContinuousClock.now < drained {
                try await Task.sleep(for: .milliseconds(10))
            }
            return Result(status: process.terminationStatus, stdout: stdoutSoFar, stderr: stderrSoFar)
        }

        /// Kills it if still running; for `defer`.
        func stop() {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
    }
}
