import DeployLocal
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A Docker engine of the test's own: `dockerd` with its data root, exec root, pid file and socket in a
/// temporary directory, no bridge and no iptables rules (the way it starts on this machine kind,
/// etcd-prometheus-observed.md §C), so it touches neither the host's networking nor any other engine.
/// Everything it started (dockerd, its containerd, container shims) is stopped by PID in ``stop()``.
struct ComposeTestEngine {
    let directory: String
    /// `unix://…/docker.sock`
    let host: String
    let dockerd: ProcessHandle
    /// The test process's environment with DOCKER_HOST pointing here.
    let environment: [String: String]
    let docker: String

    /// Starts an engine, runs `body`, and stops the engine whatever `body` did. When no engine can start
    /// here (not root, no dockerd, no cgroups, dockerd refuses), the test is cancelled, i.e. reported as
    /// skipped, with the reason printed.
    static func with(_ body: (ComposeTestEngine) async throws -> Void) async throws {
        let engine = try await start()
        let result: Result<Void, any Error>
        do {
            try await body(engine)
            result = .success(())
        } catch {
            result = .failure(error)
        }
        await engine.stop()
        try result.get()
    }

    static func skip(_ reason: String) throws -> Never {
        print("note: compose engine test skipped: \(reason)")
        try Test.cancel(Comment(rawValue: "no Docker engine can start here: \(reason)"))
    }

    static func start() async throws -> ComposeTestEngine {
        guard geteuid() == 0 else { try skip("dockerd needs root and this test runs as uid \(geteuid())") }
        guard let dockerd = ExecutableLookup.find("dockerd") else {
            try skip("dockerd is not installed (apt-get install docker.io)")
        }
        guard let docker = ExecutableLookup.find("docker") else { try skip("docker is not installed (apt-get install docker.io)") }
        guard FileManager.default.fileExists(atPath: "/sys/fs/cgroup") else { try skip("no cgroup filesystem at /sys/fs/cgroup") }

        // Short, fixed prefix: the socket path must fit in sun_path (108 bytes).
        let directory = "/tmp/opengine-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let host = "unix://\(directory)/docker.sock"
        let log = directory + "/dockerd.log"
        var environment = ProcessInfo.processInfo.environment
        environment["DOCKER_HOST"] = host
        // The client's config (auths, contexts) stays out of the user's home.
        environment["DOCKER_CONFIG"] = directory + "/client"

        let handle: ProcessHandle
        do {
            handle = try DetachedProcess.spawn(
                executable: dockerd,
                arguments: [
                    "--data-root", directory + "/data", "--exec-root", directory + "/exec",
                    "--pidfile", directory + "/dockerd.pid", "-H", host,
                    "--iptables=false", "--ip6tables=false", "--bridge=none",
                ],
                environment: ProcessInfo.processInfo.environment, logFile: log)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            try skip("cannot start dockerd: \(error)")
        }
        let engine = ComposeTestEngine(
            directory: directory, host: host, dockerd: handle, environment: environment, docker: docker)

        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            if !DetachedProcess.isRunning(handle) {
                let tail = LogTail.excerpt(of: log)
                await engine.stop()
                try skip("dockerd exited at start-up (\(DetachedProcess.exitDescription(handle) ?? "exited")):\n\(tail)")
            }
            let version = try? await CommandRunner.run(
                docker, ["version", "--format", "{{.Server.Version}}"], environment: environment, timeout: .seconds(10))
            if version?.succeeded == true { return engine }
            if ContinuousClock.now >= deadline {
                let tail = LogTail.excerpt(of: log)
                await engine.stop()
                try skip("dockerd did not answer within 60s:\n\(tail)")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Removes every container, stops dockerd (SIGTERM, SIGKILL after 30 s), then kills by PID anything
    /// still running from this engine's directory (its containerd, shims), unmounts what it left mounted
    /// and deletes the directory.
    func stop() async {
        if let ids = try? await CommandRunner.run(docker, ["ps", "-aq"], environment: environment, timeout: .seconds(30)),
            ids.succeeded
        {
            let list = ids.standardOutput.split(whereSeparator: \.isNewline).map(String.init)
            if !list.isEmpty {
                _ = try? await CommandRunner.run(docker, ["rm", "-f"] + list, environment: environment, timeout: .seconds(60))
            }
        }
        if DetachedProcess.isRunning(dockerd) {
            kill(dockerd.pid, SIGTERM)
            if !(await DetachedProcess.waitForExit(dockerd, within: .seconds(30))) {
                kill(dockerd.pid, SIGKILL)
                _ = await DetachedProcess.waitForExit(dockerd, within: .seconds(5))
            }
        }
        for pid in Self.processes(mentioning: directory) {
            print("note: stopping leftover engine process \(pid)")
            kill(pid, SIGKILL)
            _ = await DetachedProcess.waitForExit(ProcessHandle(pid: pid, startTicks: nil), within: .seconds(5))
        }
        for mountPoint in Self.mounts(under: directory).reversed() {
            _ = try? await CommandRunner.run("umount", ["-l", mountPoint], timeout: .seconds(10))
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// PIDs whose command line names `path` (containerd and shims are started with paths in our directory).
    static func processes(mentioning path: String) -> [Int32] {
        let own = getpid()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard pid != own, let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data, as: UTF8.self).contains(path)
        }
    }

    static func mounts(under path: String) -> [String] {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            let point = String(fields[4])
            return point.hasPrefix(path) ? point : nil
        }
    }
}
