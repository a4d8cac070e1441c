import Foundation

/// Debian's `chromium`, headless, as a person's browser would load a console page: `--dump-dom` gives the
/// DOM after the page's scripts ran, `--screenshot` a PNG to look at.
///
/// Runs as root (CI, developer machines here), so `--no-sandbox`; each run gets its own profile directory;
/// every host but 127.0.0.1 (the console under test) fails to resolve, so the browser's background services reach nothing
/// outside this machine. A run that hangs is killed by its PID.
public struct HeadlessChromium {
    public let executable: String

    /// The installed browser, or `nil` (the test then skips, saying so).
    public static func find() -> HeadlessChromium? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/chromium"
            if FileManager.default.isExecutableFile(atPath: candidate) { return HeadlessChromium(executable: candidate) }
        }
        return nil
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The DOM of `url` once loaded, serialized. With `virtualSeconds`, the page's timers first run for that
    /// long in virtual time (the page's own refresh included), without the test waiting that long.
    public func dumpDOM(_ url: String, virtualSeconds: Int? = nil) async throws -> String {
        let budget = virtualSeconds.map { ["--virtual-time-budget=\($0 * 1000)"] } ?? []
        return try await run(budget + ["--dump-dom", url]).stdout
    }

    /// Saves a screenshot of `url` to `path`.
    public func screenshot(_ url: String, to path: String, width: Int = 1280, height: Int = 1600) async throws {
        _ = try await run(["--screenshot=\(path)", "--window-size=\(width),\(height)", "--hide-scrollbars", url])
        guard FileManager.default.fileExists(atPath: path) else {
            throw Failure(description: "chromium wrote no screenshot at \(path)")
        }
    }

    private func run(_ arguments: [String], timeout: Duration = .seconds(120)) async throws -> (stdout: String, stderr: String) {
        let profile = try TemporaryDirectory(prefix: "operator-chromium")
        defer { profile.remove() }
        let out = profile.file("stdout"), err = profile.file("stderr")
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=\(profile.file("profile"))",
            "--no-first-run", "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-extensions", "--disable-default-apps", "--no-pings",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        ] + arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try process.run()
        let pid = process.processIdentifier
        defer {
            if process.isRunning {
                kill(pid, SIGKILL)
                process.waitUntilExit()
            }
        }
        // Waits without parking a cooperative thread.
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let stdout = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        if process.isRunning {
            throw Failure(description: "chromium \(arguments.joined(separator: " ")) did not finish within \(timeout); stderr: \(stderr.suffix(2000))")
        }
        guard process.terminationStatus == 0 else {
            throw Failure(description: "chromium \(arguments.joined(separator: " ")) exited \(process.terminationStatus); stderr: \(stderr.suffix(2000))")
        }
        return (stdout, stderr)
    }
}
