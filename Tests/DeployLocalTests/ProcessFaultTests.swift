import Foundation
import OperatorCore
import Testing
@testable import DeployLocal

#if canImport(Glibc)
import Glibc
#endif

@Suite("ProcessDeployment faults")
struct ProcessFaultTests {
    @Test("the process backend offers kill, stop, resume, restart, slow-disk and partition on its members' kind, and names them when asked for another")
    func offersAndRefusals() async throws {
        let state = try TemporaryStateDirectory()
        defer { state.cleanup() }
        let port = try #require(LocalPorts.freeBlock(count: 1))
        let deployment = ProcessDeployment(plan: HTTPServerPlan.plan(members: 1, basePort: port), stateDirectory: state.path)
        #expect(deployment.faultOffers.map(\.kind) == ["kill", "stop", "resume", "restart", "slow-disk", "partition"])
        #expect(deployment.faultOffers.allSatisfy { $0.entityKinds == ["member"] })

        let pause = await #expect(throws: UnsupportedFaultError.self) {
            try await deployment.inject(DeploymentFault(kind: "pause", entity: "member:h1"))
        }
        let text = try #require(pause).description
        #expect(text.contains("the process backend cannot inject pause on member:h1"))
        #expect(text.contains("kill member:<id>, stop member:<id>, resume member:<id>, restart member:<id>"))

        // The right kind on the wrong entity kind is refused too, before any process is touched.
        await #expect(throws: UnsupportedFaultError.self) {
            try await deployment.inject(DeploymentFault(kind: "stop", entity: "store:1"))
        }
        // `resume` and `restart` have no lift; only kinds with one are listed when lifting.
        let lift = await #expect(throws: UnsupportedFaultError.self) {
            try await deployment.lift(DeploymentFault(kind: "resume", entity: "member:h1"))
        }
        #expect(try #require(lift).description.contains("offers: kill member:<id>, stop member:<id>, slow-disk member:<id>, partition member:<id> ("))
    }

    @Test("stop freezes a real HTTP server with SIGSTOP: its port stays open, health fails, lift brings it back")
    func stopAndResume() async throws {
        guard HTTPServerPlan.python != nil else {
            print("skipped: python3 is not installed, so no HTTP server members can run")
            return
        }
        let state = try TemporaryStateDirectory()
        defer { state.cleanup() }
        let base = try #require(LocalPorts.freeBlock(count: 2))
        let deployment = ProcessDeployment(
            plan: HTTPServerPlan.plan(members: 2, basePort: base), stateDirectory: state.path, stopGracePeriod: .seconds(5))
        let up = try await deployment.up { _ in }
        let pid = try #require(up.members[1].pid)

        let loaded = try LocalDeployments.load(stateDirectory: state.path)
        try await loaded.inject(DeploymentFault(kind: "stop", entity: "member:h2"))
        // SIGSTOP is delivered asynchronously: on a loaded machine /proc can show the process running for
        // a moment after kill(2) returned. Poll (a hang guard, not a timing assertion).
        #expect(await Self.state(of: pid, becomes: "T"), "the member's process is stopped, not gone: \(Self.processState(pid) ?? "gone")")
        let frozen = try await loaded.status()
        #expect(frozen.members.map(\.state) == [.healthy, .unhealthy])
        #expect(frozen.members[1].detail?.contains("frozen by SIGSTOP") == true)
        #expect(frozen.members[1].pid == pid)
        #expect(!LocalPorts.isFree(base + 1), "a frozen member still holds its port")

        try await loaded.lift(DeploymentFault(kind: "stop", entity: "member:h2"))
        #expect(await Self.state(of: pid, leaves: "T"), "resumed: \(Self.processState(pid) ?? "gone")")
        let resumed = try await loaded.status()
        #expect(resumed.members.map(\.state) == [.healthy, .healthy])
        #expect(resumed.members[1].detail?.contains("frozen") != true)

        // A frozen member is still stopped promptly by down (SIGCONT follows SIGTERM).
        try await loaded.inject(DeploymentFault(kind: "stop", entity: "member:h1"))
        try await loaded.down(removeState: false)
        #expect(try await loaded.status().members.map(\.state) == [.stopped, .stopped])
    }

    @Test("kill through the fault vocabulary is SIGKILL, and lifting it restarts the member")
    func killAndLift() async throws {
        guard HTTPServerPlan.python != nil else {
            print("skipped: python3 is not installed, so no HTTP server members can run")
            return
        }
        let state = try TemporaryStateDirectory()
        defer { state.cleanup() }
        let base = try #require(LocalPorts.freeBlock(count: 1))
        let deployment = ProcessDeployment(
            plan: HTTPServerPlan.plan(members: 1, basePort: base), stateDirectory: state.path, stopGracePeriod: .seconds(5))
        let pid = try #require(try await deployment.up { _ in }.members.first?.pid)
        try await deployment.inject(DeploymentFault(kind: "kill", entity: "member:h1"))
        #expect(kill(pid, 0) != 0, "the killed pid is gone")
        #expect(try await deployment.status().members.first?.detail?.contains("killed by SIGKILL") == true)
        try await deployment.lift(DeploymentFault(kind: "kill", entity: "member:h1"))
        let after = try await deployment.status()
        #expect(after.members.map(\.state) == [.healthy])
        #expect(after.members.first?.pid != pid)
    }

    /// The state letter in /proc/PID/stat (`T` is stopped by a signal).
    static func state(of pid: Int32, becomes wanted: String? = nil, leaves left: String? = nil) async -> Bool {
        for _ in 0..<200 {
            let now = processState(pid)
            if let wanted, now == wanted { return true }
            if let left, now != left { return true }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return false
    }

    static func processState(_ pid: Int32) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        return text[text.index(after: close)...].split(separator: " ").first.map(String.init)
    }
}
