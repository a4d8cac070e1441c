import Foundation
import OperatorCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a short-lived command to completion and captures what it printed: the plumbing for backends that
/// drive a tool (`docker-compose up -d`, `docker-compose ps`). Long-running members use ``DetachedProcess``.
public enum CommandRunner {
    public struct Output: Sendable, Equatable {
        public var status: Int32
        public var standardOutput: String
        public var standardError: String

        public var succeeded: Bool { status == 0 }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let command: String
        public let reason: String
        public var description: String { "`\(command)` \(reason)" }
    }

    /// Runs `executable` (a path or a name looked up in PATH) and waits for it. After `timeout` its
    /// process group gets SIGTERM (SIGKILL 5 s later) and a ``Failure`` is thrown. A non-zero exit status
    /// is returned, not thrown: use ``runChecked(_:_:environment:workingDirectory:timeout:)`` when it is
    /// an error. `environment` replaces the caller's; `nil` inherits it.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        workingDirectory: String? = nil, timeout: Duration = .seconds(120)
    ) async throws(Failure) -> Output {
        let commandLine = ([executable] + arguments).joined(separator: " ")
        guard let path = ExecutableLookup.find(executable) else {
            throw Failure(command: commandLine, reason: "cannot run: \(executable) is not installed or not in PATH")
        }
        var outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        guard makePipe(&outPipe), makePipe(&errPipe) else {
            throw Failure(command: commandLine, reason: "cannot create pipes: \(String(cString: strerror(errno)))")
        }
        var spawnArguments = arguments
        var spawnPath = path
        if let workingDirectory {
            // posix_spawn's chdir action is a GNU extension the Swift module does not expose: go through sh.
            spawnPath = "/bin/sh"
            spawnArguments = ["-c", "cd \"$0\" && exec \"$@\"", workingDirectory, path] + arguments
        }
        let pid: pid_t
        do {
            pid = try ProcessSpawner.spawn(
                executable: spawnPath, arguments: spawnArguments,
                environment: environment ?? ProcessInfo.processInfo.environment, grouping: .newProcessGroup
            ) { actions in
                posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
                posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
                posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
            }
        } catch {
            [outPipe[0], outPipe[1], errPipe[0], errPipe[1]].forEach { close($0) }
            throw Failure(command: commandLine, reason: error.description)
        }
        close(outPipe[1])
        close(errPipe[1])

        // Drain both pipes on their own threads so a chatty command never blocks on a full pipe.
        async let out = readAll(outPipe[0])
        async let err = readAll(errPipe[0])
        let timedOut = Mutex(false)
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            timedOut.withLock { $0 = true }
            kill(-pid, SIGTERM)
            try await Task.sleep(for: .seconds(5))
            kill(-pid, SIGKILL)
        }
        let status = await waitForExit(pid)
        watchdog.cancel()
        let output = Output(status: status, standardOutput: await out, standardError: await err)
        guard !timedOut.withLock({ $0 }) else {
            throw Failure(command: commandLine, reason: "did not finish within \(DurationText.format(timeout)) and was terminated")
        }
        return output
    }

    /// Like ``run(_:_:environment:workingDirectory:timeout:)``, but a non-zero exit status is a
    /// ``Failure`` quoting the end of what the command wrote to stderr.
    public static func runChecked(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        workingDirectory: String? = nil, timeout: Duration = .seconds(120)
    ) async throws(Failure) -> Output {
        let output = try await run(
            executable, arguments, environment: environment, workingDirectory: workingDirectory, timeout: timeout)
        guard output.succeeded else {
            let tail = output.standardError.split(separator: "\n").suffix(10).joined(separator: "\n")
            throw Failure(
                command: ([executable] + arguments).joined(separator: " "),
                reason: "exited with status \(output.status)\(tail.isEmpty ? "" : ":\n\(tail)")")
        }
        return output
    }

    private static func makePipe(_ fds: inout [Int32]) -> Bool {
        // pipe2 is a GNU extension the Swift module hides; set close-on-exec right after (children spawned
        // in between lose the descriptors anyway: ProcessSpawner closes everything above stderr).
        guard pipe(&fds) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }

    /// Reads a descriptor to its end on a thread of its own, then closes it. Not on a dispatch queue:
    /// blocking its few worker threads would starve Swift concurrency, which runs on them.
    private static func readAll(_ fd: Int32) async -> String {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var data = Data()
                var buffer = [UInt8](repeating: 0, count: 16 * 1024)
                while true {
                    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if n > 0 {
                        data.append(contentsOf: buffer[0..<n])
                    } else if n < 0, errno == EINTR {
                        continue
                    } else {
                        break
                    }
                }
                close(fd)
                continuation.resume(returning: String(decoding: data, as: UTF8.self))
            }
        }
    }

    /// The exit status (128 + signal when killed, as shells report it), waited for on a thread of its own.
    private static func waitForExit(_ pid: pid_t) async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0, errno == EINTR {}
                let signal = status & 0x7f
                continuation.resume(returning: signal == 0 ? (status >> 8) & 0xff : 128 + signal)
            }
        }
    }
}
