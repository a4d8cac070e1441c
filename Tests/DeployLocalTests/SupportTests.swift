import Foundation
import Testing
@testable import DeployLocal

@Suite("DeployLocal support")
struct SupportTests {
    @Test("a free block is made of ports nobody listens on, and a held port is not free")
    func freePorts() throws {
        let base = try #require(LocalPorts.freeBlock(count: 4))
        for port in base..<(base + 4) { #expect(LocalPorts.isFree(port)) }
        #expect(base + 4 <= LocalPorts.ephemeralRangeStart(), "below the ports outgoing connections use")
        let holder = try ListeningSocket(port: base)
        defer { holder.close() }
        #expect(!LocalPorts.isFree(base))
        #expect(!LocalPorts.isFree(0) && !LocalPorts.isFree(70000))
        let single = try #require(LocalPorts.ephemeral())
        #expect(LocalPorts.isFree(single))
    }

    @Test("executables are found in PATH, missing ones are nil")
    func lookup() {
        #expect(ExecutableLookup.find("sh", environment: ["PATH": "/usr/bin:/bin"]) != nil)
        #expect(ExecutableLookup.find("operator-no-such-program", environment: ["PATH": "/usr/bin:/bin"]) == nil)
        #expect(ExecutableLookup.find("/bin/sh") == "/bin/sh")
        #expect(ExecutableLookup.find("/nonexistent/sh") == nil)
    }

    @Test("the log tail keeps the last lines and drops a line cut by the byte limit")
    func logTail() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tail-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text = (1...100).map { "line \($0)" }.joined(separator: "\n") + "\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(LogTail.lastLines(of: path, lines: 3) == ["line 98", "line 99", "line 100"])
        let cut = LogTail.lastLines(of: path, lines: 50, maxBytes: 20)
        #expect(cut == ["line 99", "line 100"])
        #expect(LogTail.lastLines(of: path + ".missing").isEmpty)
        #expect(LogTail.excerpt(of: path + ".missing").contains("is empty"))
    }

    @Test("commands run to completion with their output and status captured")
    func commandRunner() async throws {
        let output = try await CommandRunner.run("/bin/sh", ["-c", "echo out; echo err >&2; exit 4"])
        #expect(output.status == 4)
        #expect(output.standardOutput == "out\n")
        #expect(output.standardError == "err\n")

        let failure = await #expect(throws: CommandRunner.Failure.self) {
            try await CommandRunner.runChecked("/bin/sh", ["-c", "echo 'compose file invalid' >&2; exit 1"])
        }
        #expect(failure?.description.contains("exited with status 1") == true)
        #expect(failure?.description.contains("compose file invalid") == true)

        let missing = await #expect(throws: CommandRunner.Failure.self) {
            try await CommandRunner.run("operator-no-such-program", [])
        }
        #expect(missing?.description.contains("not installed") == true)

        let slow = await #expect(throws: CommandRunner.Failure.self) {
            try await CommandRunner.run("/bin/sleep", ["30"], timeout: .milliseconds(200))
        }
        #expect(slow?.description.contains("was terminated") == true)
    }

    @Test("the factory refuses a directory without a deployment, naming it")
    func factory() throws {
        let state = try TemporaryStateDirectory()
        defer { state.cleanup() }
        let error = #expect(throws: DeploymentError.self) { try LocalDeployments.load(stateDirectory: state.path) }
        #expect(error == .noDeployment(stateDirectory: state.path))
        try #"{"backend":"cloud"}"#.write(toFile: StateFile.path(in: state.path), atomically: true, encoding: .utf8)
        let other = #expect(throws: DeploymentError.self) { try LocalDeployments.load(stateDirectory: state.path) }
        #expect(other == .unsupportedBackend("cloud", known: ["process", "compose"]))
        try "{not json".write(toFile: StateFile.path(in: state.path), atomically: true, encoding: .utf8)
        let garbled = #expect(throws: DeploymentError.self) { try LocalDeployments.load(stateDirectory: state.path) }
        #expect(garbled?.description.contains("cannot read deployment state") == true)
    }
}
