import Foundation
import Synchronization

/// A throwaway PostgreSQL server for tests: `initdb`, then `postgres` as a child process, in a temporary directory, on a
/// free loopback port (and a socket in that directory), run as the `postgres` user when the tests run as root
/// (PostgreSQL refuses root). Logins over TCP need the password (`scram-sha-256`), as a real deployment does.
///
/// `TestPostgres.shared()` is one server per test process, started on first use; each test takes a database of
/// its own (`createDatabase()`). A test that stops or restarts its server starts one of its own and stops it by
/// PID in a `defer`. If the test process dies, a watchdog started beside each server stops it.
///
/// Not installed → an error naming the fix: CI installs Debian's `postgresql`, so a missing server fails there.
public final class TestPostgres: Sendable {
    public let port: Int
    public let directory: String
    public let password = "operator-test-password"
    public let user = "postgres"
    let bin: String
    let runAsPostgres: Bool
    /// The server process, a child of this one (not daemonized by `pg_ctl start`: a daemon inherits a
    /// descriptor by which Foundation tells that `pg_ctl` ended, and `pg_ctl` would never seem to end).
    private let postmaster = Mutex<Process?>(nil)
    var dataDirectory: String { directory + "/data" }
    var socketDirectory: String { directory + "/socket" }

    private static let sharedServer = SharedServer()

    /// The process's shared server (started once; stopped when the process exits).
    public static func shared() async throws -> TestPostgres {
        try await sharedServer.get()
    }

    /// A server of the test's own: the caller stops it (`stop()`) in a defer.
    public static func start() async throws -> TestPostgres {
        let bin = try binDirectory()
        let directory = "/tmp/operator-pg-\(UUID().uuidString.prefix(8).lowercased())"
        var lastError: (any Error)?
        for _ in 0..<3 {
            let port = try FreePorts.take(1)[0]
            let server = TestPostgres(port: port, directory: directory, bin: bin, runAsPostgres: getuid() == 0)
            do {
                try await server.initialize()
                try await server.startServer()
                server.startWatchdog()
                return server
            } catch {
                lastError = error
                server.stop()
                try? FileManager.default.removeItem(atPath: directory)
            }
        }
        throw lastError ?? TestServerError(message: "PostgreSQL did not start")
    }

    init(port: Int, directory: String, bin: String, runAsPostgres: Bool) {
        self.port = port
        self.directory = directory
        self.bin = bin
        self.runAsPostgres = runAsPostgres
    }

    /// `/usr/lib/postgresql/<newest>/bin`.
    public static func binDirectory() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap { Int($0) }.sorted()
        guard let newest = versions.last, FileManager.default.isExecutableFile(atPath: "\(root)/\(newest)/bin/initdb") else {
            throw TestServerError(
                message: "PostgreSQL is not installed (no \(root)/<version>/bin/initdb): install Debian's postgresql (`apt-get install -y postgresql`); CI's .ci/run does")
        }
        return "\(root)/\(newest)/bin"
    }

    /// `postgres://postgres@127.0.0.1:PORT/database?sslmode=disable` (the password is given apart: PGPASSWORD).
    public func url(database: String) -> String {
        "postgres://\(user)@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    /// A new empty database, `test_<uuid>`.
    public func createDatabase() async throws -> String {
        let name = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await psql("CREATE DATABASE \(name)")
        return name
    }

    /// Runs SQL as the superuser over the socket (trusted locally); returns the rows, unaligned, one a line.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") async throws -> String {
        try await Self.run(
            [bin + "/psql", "-X", "-q", "-A", "-t", "-h", socketDirectory, "-p", "\(port)", "-U", user, "-d", database, "-v", "ON_ERROR_STOP=1", "-c", sql],
            asPostgres: false
        ).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The postmaster's PID, from its pid file.
    public var pid: Int32? {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
            let first = text.split(separator: "\n").first
        else { return nil }
        return Int32(first.trimmingCharacters(in: .whitespaces))
    }

    /// Stops the server at once (`pg_ctl stop -m immediate`), then kills the postmaster if it is still there.
    public func stop() {
        let postmaster = pid
        let stop = Process()
        stop.executableURL = URL(fileURLWithPath: runAsPostgres ? "/usr/sbin/runuser" : bin + "/pg_ctl")
        stop.arguments = (runAsPostgres ? ["-u", "postgres", "--", bin + "/pg_ctl"] : []) + ["stop", "-m", "immediate", "-D", dataDirectory]
        stop.standardOutput = FileHandle.nullDevice
        stop.standardError = FileHandle.nullDevice
        try? stop.run()
        stop.waitUntilExit()
        if let postmaster, kill(postmaster, 0) == 0 { kill(postmaster, SIGKILL) }
        if let child = self.postmaster.withLock({ $0 }), child.isRunning { kill(child.processIdentifier, SIGKILL) }
    }

    /// Stops the server and removes its directory.
    public func stopAndRemove() {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// `pg_ctl stop -m fast`: connections drop, data stays; `startAgain()` brings it back on the same port.
    public func stopServer() async throws {
        try await Self.run(pgCtl(["stop", "-m", "fast", "-w", "-D", dataDirectory]), asPostgres: false)
    }

    public func startAgain() async throws {
        try await startServer()
    }

    // MARK: - Setting up

    private func initialize() async throws {
        try FileManager.default.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)
        let passwordFile = directory + "/password"
        try password.write(toFile: passwordFile, atomically: true, encoding: .utf8)
        if runAsPostgres { try await Self.run(["/bin/chown", "-R", "postgres:postgres", directory], asPostgres: false) }
        try await Self.run(
            asUser([
                bin + "/initdb", "-D", dataDirectory, "-U", user, "--pwfile=" + passwordFile, "--auth-local=trust",
                "--auth-host=scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C",
            ]), asPostgres: false)
    }

    private func startServer() async throws {
        let log = directory + "/server.log"
        if !FileManager.default.fileExists(atPath: log) { FileManager.default.createFile(atPath: log, contents: nil) }
        if runAsPostgres { try await Self.run(["/bin/chown", "postgres:postgres", log], asPostgres: false) }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try output.seekToEnd()
        let process = Process()
        let command = asUser([
            bin + "/postgres", "-D", dataDirectory, "-p", "\(port)", "-k", socketDirectory, "-c", "listen_addresses=127.0.0.1",
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=300",
            "-c", "shared_buffers=16MB",
        ])
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? output.close()
        postmaster.withLock { $0 = process }
        // Ready when it accepts a query over its socket (a hang guard, not a timing: minutes under load).
        let deadline = ContinuousClock.now + .seconds(180)
        while true {
            if (try? await psql("SELECT 1")) == "1" { return }
            guard process.isRunning else {
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                throw TestServerError(message: "postgres exited at start: \(text.suffix(2000))")
            }
            guard ContinuousClock.now < deadline else { throw TestServerError(message: "postgres did not accept connections within 180 s") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    private func pgCtl(_ arguments: [String]) -> [String] { asUser([bin + "/pg_ctl"] + arguments) }

    private func asUser(_ command: [String]) -> [String] {
        runAsPostgres ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + command : command
    }

    /// Stops the server when this test process is gone, however it ended.
    private func startWatchdog() {
        let parent = getpid()
        let stop = asUser([bin + "/pg_ctl", "stop", "-m", "immediate", "-D", dataDirectory]).map { "'\($0)'" }.joined(separator: " ")
        let watchdog = Process()
        // A session of its own: nothing sent to the test process's group reaches it.
        watchdog.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        watchdog.arguments = [
            "/bin/sh", "-c", "while kill -0 \(parent) 2>/dev/null; do sleep 2; done; \(stop) >/dev/null 2>&1; rm -rf '\(directory)'",
        ]
        watchdog.standardOutput = FileHandle.nullDevice
        watchdog.standardError = FileHandle.nullDevice
        try? watchdog.run()
    }

    /// Runs a command to its end, polling (no cooperative thread blocked: its output goes to a file, read
    /// once it exited); a non-zero exit throws with its output.
    @discardableResult
    static func run(_ command: [String], asPostgres: Bool) async throws -> String {
        let outputPath = NSTemporaryDirectory() + "operator-pg-cmd-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? output.close()
        let deadline = ContinuousClock.now + .seconds(300)
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                process.terminate()
                throw TestServerError(message: "\(command.joined(separator: " ")) did not finish within 300 s")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            throw TestServerError(message: "\(command.joined(separator: " ")) exited \(process.terminationStatus): \(text)")
        }
        return text
    }
}

/// Starts the shared server once, even when many tests ask at the same moment.
private actor SharedServer {
    private var server: Task<TestPostgres, any Error>?

    func get() async throws -> TestPostgres {
        if let server { return try await server.value }
        let starting = Task { () throws -> TestPostgres in
            let started = try await TestPostgres.start()
            // Stopped when the test process exits normally (the watchdog covers the other ways).
            TestPostgresExit.register(started)
            return started
        }
        server = starting
        return try await starting.value
    }
}

private enum TestPostgresExit {
    nonisolated(unsafe) static var server: TestPostgres?

    static func register(_ server: TestPostgres) {
        Self.server = server
        atexit { TestPostgresExit.server?.stopAndRemove() }
    }
}
