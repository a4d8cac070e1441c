@testable import DeployLocal
import Foundation
import OperatorCore
import SubjectEtcd
import SubjectTiKV
import Testing

/// What the compose backend says when Docker, compose, the engine, the file or the member is missing.
/// No engine is needed: tools are hidden with a PATH of our own, and the engine is a socket nobody serves.
@Suite("Compose backend error paths")
struct ComposeErrorTests {
    /// A plan for the etcd stack with a project name no other test uses.
    static func etcdPlan(_ extra: [String: String] = [:]) throws -> ComposeClusterPlan {
        var options = DeploymentOptions(basePort: 45000, stateDirectory: "/unused", extra: extra)
        options.extra["project"] = options.extra["project"] ?? "opcerr\(UInt32.random(in: 0...UInt32.max))"
        options.extra["compose-file"] = options.extra["compose-file"] ?? StackTestSupport.path(EtcdComposeRecipe.defaultComposeFile)
        return try EtcdComposeRecipe.plan(options)
    }

    /// A directory holding links to some real programs, to serve as the whole PATH.
    static func binDirectory(linking programs: [String]) throws -> String {
        let directory = try StackTestSupport.temporaryDirectory("compose-bin")
        for program in programs {
            if let real = ExecutableLookup.find(program) {
                try FileManager.default.createSymbolicLink(
                    atPath: (directory as NSString).appendingPathComponent(program), withDestinationPath: real)
            }
        }
        return directory
    }

    @Test func withoutDockerUpNamesTheDockerIOPackage() async throws {
        let bin = try Self.binDirectory(linking: [])
        let state = try StackTestSupport.temporaryDirectory("compose-state")
        defer {
            try? FileManager.default.removeItem(atPath: bin)
            try? FileManager.default.removeItem(atPath: state)
        }
        let deployment = ComposeDeployment(plan: try Self.etcdPlan(), stateDirectory: state, environment: ["PATH": bin])
        let error = await #expect(throws: ComposeError.self) { try await deployment.up(progress: { _ in }) }
        #expect(error == .dockerMissing(searchPath: bin))
        let message = try #require(error?.description)
        #expect(message.contains("docker is not installed") && message.contains("apt-get install docker.io"), "\(message)")
        // Nothing was recorded for a deployment that never started.
        #expect(!StateFile.exists(in: state))
    }

    @Test func withDockerButNoComposeUpNamesTheDockerComposePackage() async throws {
        _ = try StackTestSupport.requireTool("docker", package: "docker.io")
        let bin = try Self.binDirectory(linking: ["docker"])
        let state = try StackTestSupport.temporaryDirectory("compose-state")
        defer {
            try? FileManager.default.removeItem(atPath: bin)
            try? FileManager.default.removeItem(atPath: state)
        }
        // A docker client that has the compose plugin would make this test meaningless.
        let plugin = try await StackTestSupport.run(bin + "/docker", ["compose", "version"], environment: ["PATH": bin, "HOME": state])
        if plugin.succeeded { try Test.cancel("this docker client has the compose plugin; cannot hide compose") }
        let deployment = ComposeDeployment(
            plan: try Self.etcdPlan(), stateDirectory: state, environment: ["PATH": bin, "HOME": state])
        let error = await #expect(throws: ComposeError.self) { try await deployment.up(progress: { _ in }) }
        #expect(error == .composeMissing(searchPath: bin))
        let message = error?.description ?? ""
        #expect(message.contains("docker-compose") && message.contains("apt-get install docker-compose"), "\(message)")
    }

    /// The real docker client against a socket nobody serves: "Cannot connect to the Docker daemon at …".
    @Test func engineNotRunningSaysToStartIt() async throws {
        _ = try StackTestSupport.requireTool("docker", package: "docker.io")
        _ = try StackTestSupport.requireTool("docker-compose", package: "docker-compose")
        let state = try StackTestSupport.temporaryDirectory("compose-state")
        defer { try? FileManager.default.removeItem(atPath: state) }
        let socket = "unix://\(state)/no-engine.sock"
        var environment = ProcessInfo.processInfo.environment
        environment["DOCKER_HOST"] = socket
        environment["HOME"] = state
        let deployment = ComposeDeployment(plan: try Self.etcdPlan(), stateDirectory: state, environment: environment)
        let error = await #expect(throws: ComposeError.self) { try await deployment.up(progress: { _ in }) }
        guard case .engineNotRunning(let host, let detail)? = error else {
            Issue.record("expected engineNotRunning, got \(String(describing: error))")
            return
        }
        #expect(host == socket)
        #expect(detail.contains("Cannot connect to the Docker daemon"), "\(detail)")
        #expect(error?.description.contains("start the Docker engine") == true)
    }

    /// docker-compose v1 reports a dead engine as a Python traceback ending in DockerException; the
    /// classifier reads that too (etcd-prometheus-observed.md §C).
    @Test func composeV1TracebackIsReadAsEngineNotRunning() async throws {
        let compose = try StackTestSupport.requireTool("docker-compose", package: "docker-compose")
        let state = try StackTestSupport.temporaryDirectory("compose-state")
        defer { try? FileManager.default.removeItem(atPath: state) }
        var environment = ProcessInfo.processInfo.environment
        environment["DOCKER_HOST"] = "unix://\(state)/no-engine.sock"
        let output = try await StackTestSupport.run(
            compose, ["-p", "opcerr", "-f", StackTestSupport.path("Subjects/etcd/docker-compose.yaml"), "ps"],
            environment: environment)
        #expect(!output.succeeded)
        let commands = DockerCommands(
            docker: "docker", compose: ComposeTool(flavor: .standalone, executable: compose), environment: environment)
        let error = commands.classify(output, command: "docker-compose ps")
        guard case .engineNotRunning(_, let detail) = error else {
            Issue.record("expected engineNotRunning from:\n\(output.transcript)\ngot \(error)")
            return
        }
        #expect(detail.contains("Error while fetching server API version"), "\(detail)")
    }

    @Test func aMissingComposeFileSaysWhereItLooked() throws {
        let error = #expect(throws: ComposeError.self) {
            try ComposeFileLocator.resolve("Subjects/nothing/docker-compose.yaml", currentDirectory: "/tmp")
        }
        guard case .composeFileNotFound(let path, let searched)? = error else {
            Issue.record("got \(String(describing: error))")
            return
        }
        #expect(path == "Subjects/nothing/docker-compose.yaml")
        #expect(searched.contains("/tmp/Subjects/nothing"))
        #expect(error?.description.contains("--compose-file") == true)
    }

    @Test func theRepositoryStackIsFoundFromASubdirectory() throws {
        let found = try ComposeFileLocator.resolve(
            "Subjects/tikv/docker-compose.yaml", currentDirectory: StackTestSupport.path("Subjects/etcd"))
        #expect(found == StackTestSupport.path("Subjects/tikv/docker-compose.yaml"))
    }

    @Test func statusWithoutADeploymentSaysSo() async throws {
        let state = try StackTestSupport.temporaryDirectory("compose-state")
        defer { try? FileManager.default.removeItem(atPath: state) }
        let deployment = ComposeDeployment(plan: try Self.etcdPlan(), stateDirectory: state)
        let error = await #expect(throws: DeploymentError.self) { try await deployment.status() }
        #expect(error == .noDeployment(stateDirectory: state))
    }

    @Test func theFactoryRunsComposePlansWithTheComposeBackend() throws {
        let deployment = try LocalDeployments.make(plan: .compose(try Self.etcdPlan()), stateDirectory: "/tmp/unused")
        #expect(deployment is ComposeDeployment)
        #expect(deployment.backend == "compose")
        #expect(LocalDeployments.backends.contains("compose"))
    }

    @Test func recipesRefuseSizesTheirFilesDoNotHave() {
        #expect(throws: TiKVComposeRecipeError.fixedSize(requested: 5)) {
            try TiKVComposeRecipe.plan(DeploymentOptions(members: 5, stateDirectory: "/x"))
        }
        #expect(throws: EtcdComposeRecipeError.fixedSize(requested: 1)) {
            try EtcdComposeRecipe.plan(DeploymentOptions(members: 1, stateDirectory: "/x"))
        }
        #expect(throws: EtcdComposeRecipeError.basePortOutOfRange(65533)) {
            try EtcdComposeRecipe.plan(DeploymentOptions(basePort: 65533, stateDirectory: "/x"))
        }
    }
}
