import Foundation
import OperatorCore
import Testing
@testable import DeployLocal

#if canImport(Glibc)
import Glibc
#endif

@Suite("ProcessDeployment")
struct ProcessDeploymentTests {
    @Test("a missing executable is named with the install hint, and nothing starts")
    func missingExecutable() async throws {
        let state = try TemporaryStateDirectory()
        defer { state.cleanup() }
        let port = try #require(LocalPorts.freeBlock(count: 1))
        let plan = HTTPServerPlan.plan(members: 1, basePort: port, executable: "operator-no-such-program")
        let deployment = ProcessDeployment(plan: plan, stateDirectory: state.path)
        let error = await #expect(throws: DeploymentError.self) { try await deployment.up { _ in } }
        let text = try #require(error).description
        #expect(text.contains("operator-no-such-program is not installed"))
        #expect(text.contains("apt-get install python3"))
        #expect(!StateFile.exists(in: state.path))
    }

    @Test("a taken port is named with its member before anything starts")
    func portTaken() async throws {
        let state = try TemporaryStateDirectory()
        defer { state.cleanup() }
        let base = try #require(LocalPorts.freeBlock(count: 2))
        let holder = try ListeningSocket(port: base + 1)
        defer { holder.close() }
        let plan = HTTPServerPlan.plan(members: 2, basePort: base, executable: "/bin/sh")
        let deployment = ProcessDeployment(plan: plan, stateDirectory: state.path)
        let error = await #expect(throws: DeploymentError.self) { try await deployment.up { _ in } }
        #expect(error == .portTaken(port: base + 1, member: "member:h2"))
        #expect(try #require(error).description.contains("port \(base + 1) for member:h2 is already in use"))
    }

    @Test("a member that exits at once fails up with its last log lines, and the others are stopped")
    func memberExitsImmediately() async throws {
        let state = try TemporaryStateDirectory()
        defer { state.cleanup() }
        let port = try #require(LocalPorts.freeBlock(count: 2))
        let sleeper = ProcessClusterPlan.Member(
            entity: "member:s1", executable: "/bin/sleep", arguments: ["300"], ports: [port],
            endpoint: "http://127.0.0.1:\(port)", healthURL: "http://127.0.0.1:\(port)/", dataDirectory: "s1.data")
        let crasher = ProcessClusterPlan.Member(
            entity: "member:c1", executable: "/bin/sh",
            arguments: ["-c", "echo 'fatal: bad flag --bogus' >&2; exit 3"], ports: [port + 1],
            endpoint: "http://127.0.0.1:\(port + 1)", healthURL: "http://127.0.0.1:\(port + 1)/", dataDirectory: "c1.data")
        let plan = ProcessClusterPlan(subject: "test", members: [sleeper, crasher], installHint: "n/a")
        let deployment = ProcessDeployment(plan: plan, stateDirectory: state.path, healthTimeout: .seconds(30))

        let error = await #expect(throws: DeploymentError.self) { try await deployment.up { _ in } }
        let text = try #require(error).description
        #expect(text.contains("member:c1 exited with status 3"))
        #expect(text.contains("fatal: bad flag --bogus"))
        let status = try await deployment.status()
        #expect(status.members.allSatisfy { $0.state == .stopped })
        #expect(status.members.first { $0.entity == "member:s1" }?.detail == "stopped after a failed deploy up")
    }

    @Test("a member that runs but never answers its health URL fails up after the timeout")
    func memberStaysUnhealthy() async throws {
        let state = try TemporaryStateDirectory()
        defer { state.cleanup() }
        let port = try #require(LocalPorts.freeBlock(count: 1))
        let member = ProcessClusterPlan.Member(
            entity: "member:q1", executable: "/bin/sh", arguments: ["-c", "echo still booting; exec sleep 300"],
            ports: [port], endpoint: "http://127.0.0.1:\(port)", healthURL: "http://127.0.0.1:\(port)/health",
            dataDirectory: "q1.data")
        let deployment = ProcessDeployment(
            plan: ProcessClusterPlan(subject: "test", members: [member], installHint: "n/a"), stateDirectory: state.path,
            healthTimeout: .milliseconds(500), stopGracePeriod: .seconds(2))
        let error = await #expect(throws: DeploymentError.self) { try await deployment.up { _ in } }
        let text = try #require(error).description
        #expect(text.contains("member:q1 did not become healthy"))
        #expect(text.contains("http://127.0.0.1:\(port)/health"))
        #expect(text.contains("still booting"))
        #expect(try await deployment.status().members.map(\.state) == [.stopped])
    }

    @Test("up, status, kill, restart and down on real HTTP servers")
    func lifecycle() async throws {
        guard HTTPServerPlan.python != nil else {
            print("skipped: python3 is not installed, so no HTTP server members can run")
            return
        }
        let state = try TemporaryStateDirectory()
        defer { state.cleanup() }
        let base = try #require(LocalPorts.freeBlock(count: 2))
        let plan = HTTPServerPlan.plan(members: 2, basePort: base)
        let deployment = ProcessDeployment(plan: plan, stateDirectory: state.path, stopGracePeriod: .seconds(5))
        let progress = ProgressLines()

        let upStatus = try await deployment.up { progress.append($0) }
        #expect(upStatus.members.map(\.state) == [.healthy, .healthy])
        #expect(upStatus.endpoints == ["http://127.0.0.1:\(base)", "http://127.0.0.1:\(base + 1)"])
        #expect(progress.all.contains { $0.hasPrefix("member:h1 healthy after") })
        #expect(progress.all.last?.hasPrefix("all 2 member(s) healthy") == true)
        let pids = upStatus.members.compactMap(\.pid)
        #expect(pids.count == 2)

        // A second up in the same directory refuses while members run.
        let again = await #expect(throws: DeploymentError.self) { try await deployment.up { _ in } }
        #expect(again?.description.contains("still running") == true)

        // Another process would load it from the state directory.
        let loaded = try LocalDeployments.load(stateDirectory: state.path)
        #expect(loaded.backend == "process")

        try await loaded.kill("member:h2")
        let afterKill = try await loaded.status()
        #expect(afterKill.members.map(\.state) == [.healthy, .stopped])
        #expect(afterKill.members[1].detail?.contains("killed by SIGKILL") == true)
        #expect(kill(pids[1], 0) != 0, "the killed pid is gone")

        let killAgain = await #expect(throws: DeploymentError.self) { try await loaded.kill("member:h2") }
        #expect(killAgain?.description.contains("member:h2 is not running") == true)

        let unknown = await #expect(throws: DeploymentError.self) { try await loaded.kill("member:h9") }
        #expect(unknown == .unknownMember("member:h9", known: ["member:h1", "member:h2"]))

        try await loaded.restart("member:h2")
        let afterRestart = try await loaded.status()
        #expect(afterRestart.members.map(\.state) == [.healthy, .healthy])
        #expect(afterRestart.members[1].pid != pids[1])
        let log = try String(contentsOfFile: state.path + "/logs/member-h2.log", encoding: .utf8)
        #expect(log.components(separatedBy: "--- operator: starting member:h2").count == 3, "two starts logged")

        try await loaded.down(removeState: false)
        let afterDown = try await loaded.status()
        #expect(afterDown.members.map(\.state) == [.stopped, .stopped])
        #expect(afterDown.members.allSatisfy { $0.detail == "stopped by deploy down" })
        #expect(FileManager.default.fileExists(atPath: state.path + "/h1.data"))

        try await loaded.down(removeState: true)
        #expect(!FileManager.default.fileExists(atPath: state.path))
        let gone = #expect(throws: DeploymentError.self) { try LocalDeployments.load(stateDirectory: state.path) }
        #expect(gone?.description.contains("no deployment in") == true)
    }

    @Test("members survive the death of the process group that started them")
    func membersRunInTheirOwnSession() async throws {
        let state = try TemporaryStateDirectory()
        defer { state.cleanup() }
        let log = state.path + "/s.log"
        let handle = try DetachedProcess.spawn(
            executable: "/bin/sleep", arguments: ["300"], environment: [:], logFile: log)
        defer {
            kill(handle.pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(handle.pid, &status, 0)
        }
        #expect(getsid(handle.pid) == handle.pid, "the member leads its own session")
        #expect(getsid(handle.pid) != getsid(0))
        #expect(DetachedProcess.isRunning(handle))
        kill(handle.pid, SIGKILL)
        #expect(await DetachedProcess.waitForExit(handle, within: .seconds(5)))
        #expect(DetachedProcess.exitDescription(handle) == "killed by SIGKILL")
    }
}

/// A listener holding a port for the length of a test.
struct ListeningSocket {
    let fd: Int32

    struct Failed: Error {}

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 1) == 0 else {
            Glibc.close(fd)
            throw Failed()
        }
    }

    func close() { Glibc.close(fd) }
}
