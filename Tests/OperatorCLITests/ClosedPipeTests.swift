import Foundation
import OperatorTestSupport
import Testing

/// Runs the binary with stdout or stderr a pipe nobody reads any more, as `operator … | head -c1` does.
enum ClosedPipeRun {
    enum Stream { case stdout, stderr }

    struct Outcome {
        var signal: Int32?
        var exitStatus: Int32?
        /// The other stream, collected in a file.
        var otherOutput: String
    }

    /// `inheritIgnoredSIGPIPE`: the child starts with SIGPIPE ignored (as under many supervisors, and
    /// as Foundation-based parents leave it), the case where a plain write would see EPIPE.
    static func run(_ arguments: [String], closing stream: Stream, inheritIgnoredSIGPIPE: Bool,
                    directory: TemporaryDirectory) async throws -> Outcome {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw POSIXError(.EMFILE) }
        close(fds[0])  // the reader is gone before the writer starts
        let otherPath = directory.file("other-\(UUID().uuidString).txt")
        let other = open(otherPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard other >= 0 else { close(fds[1]); throw POSIXError(.EACCES) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], stream == .stdout ? 1 : 2)
        posix_spawn_file_actions_adddup2(&actions, other, stream == .stdout ? 2 : 1)
        posix_spawn_file_actions_addclose(&actions, fds[1])
        posix_spawn_file_actions_addclose(&actions, other)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        if inheritIgnoredSIGPIPE {
            // Ignoring SIGPIPE in the test process is harmless (its sockets and pipes want EPIPE, not death);
            // the opposite case is set for the child alone, below.
            signal(SIGPIPE, SIG_IGN)
        } else {
            var defaults = sigset_t()
            sigemptyset(&defaults)
            sigaddset(&defaults, SIGPIPE)
            posix_spawnattr_setsigdefault(&attributes, &defaults)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))
        }
        let argv: [UnsafeMutablePointer<CChar>?] = ([OperatorBinary.path] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, OperatorBinary.path, &actions, &attributes, argv, environ)
        close(fds[1])
        close(other)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EINVAL) }
        defer { if pid > 0 { kill(pid, SIGKILL); var s: Int32 = 0; waitpid(pid, &s, WNOHANG) } }

        // Wait without parking a cooperative thread; 60 s is a hang guard, not a timing assertion.
        var status: Int32 = 0
        let deadline = ContinuousClock.now + .seconds(60)
        while waitpid(pid, &status, WNOHANG) == 0 {
            guard ContinuousClock.now < deadline else { throw TestServerError(message: "operator \(arguments) did not exit") }
            try await Task.sleep(for: .milliseconds(20))
        }
        pid = 0
        let text = (try? String(contentsOfFile: otherPath, encoding: .utf8)) ?? ""
        let low = status & 0x7f
        if low == 0 { return Outcome(signal: nil, exitStatus: (status >> 8) & 0xff, otherOutput: text) }
        return Outcome(signal: low, exitStatus: nil, otherOutput: text)
    }
}

extension EndToEnd {
    @Suite("Writing to a closed pipe ends the program quietly, like `yes | head`")
    struct ClosedPipeTests {
        @Test("`--json` into a closed stdout dies of SIGPIPE with nothing on stderr, whatever SIGPIPE's inherited disposition")
        func closedStdout() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            for ignored in [true, false] {
                let outcome = try await ClosedPipeRun.run(["subjects", "--json"], closing: .stdout, inheritIgnoredSIGPIPE: ignored, directory: dir)
                #expect(outcome.signal == SIGPIPE, "ignored=\(ignored): signal \(outcome.signal.map(String.init) ?? "none"), exit \(outcome.exitStatus.map(String.init) ?? "none"); stderr: \(outcome.otherOutput)")
                #expect(!outcome.otherOutput.contains("Fatal error") && !outcome.otherOutput.contains("error:"), "\(outcome.otherOutput)")
            }
        }

        @Test("An error message into a closed stderr ends the program by SIGPIPE, not by a trap")
        func closedStderr() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let outcome = try await ClosedPipeRun.run(
                ["check", "--subject", "etcd", "--endpoints", "http://127.0.0.1:\(try closedLocalPort())", "--json"],
                closing: .stderr, inheritIgnoredSIGPIPE: true, directory: dir)
            #expect(outcome.signal == SIGPIPE, "signal \(outcome.signal.map(String.init) ?? "none"), exit \(outcome.exitStatus.map(String.init) ?? "none")")
            #expect(!outcome.otherOutput.contains("Fatal error"), "\(outcome.otherOutput)")
        }
    }
}
