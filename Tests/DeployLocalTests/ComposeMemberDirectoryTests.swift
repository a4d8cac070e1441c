import DeployLocal
import Foundation
import OperatorCore
import SubjectTiKV
import Testing

/// How the compose backend learns which container holds `store:<id>`: PD's store list, read through the
/// TiKV recipe's member directory.
@Suite("Compose member directory")
struct ComposeMemberDirectoryTests {
    /// `GET /pd/api/v1/stores`, shaped as tikv-interfaces.md §1.2 shows it (PD v8.x): ids as JSON numbers,
    /// `state` omitted when Up (omitempty), store ids unrelated to container numbers.
    static let storesBody = """
        {
          "count": 3,
          "stores": [
            {"store": {"id": 1, "address": "tikv2:20160", "version": "8.5.1", "peer_address": "tikv2:20160",
                       "status_address": "tikv2:20180", "start_timestamp": 1735095903, "deploy_path": "/",
                       "last_heartbeat": 1735098083480549971, "node_state": 1, "state_name": "Up"},
             "status": {"capacity": "311.7GiB", "available": "222.1GiB", "used_size": "290.7MiB",
                        "leader_count": 17, "region_count": 60, "uptime": "36m20.480549971s"}},
            {"store": {"id": 4, "address": "tikv0:20160", "status_address": "tikv0:20180", "node_state": 1,
                       "state_name": "Disconnected"},
             "status": {"capacity": "0B", "available": "0B"}},
            {"store": {"id": 5, "address": "tikv1:20160", "status_address": "tikv1:20180", "node_state": 1,
                       "state_name": "Up"},
             "status": {"leader_count": 3}}
          ]
        }
        """

    static var directory: ComposeClusterPlan.MemberDirectory {
        get throws {
            try #require(TiKVComposeRecipe.plan(DeploymentOptions(stateDirectory: "/x")).memberDirectory)
        }
    }

    @Test func storesMapToTheirContainersWithPDsState() throws {
        let body = try JSONDecoder().decode(JSONValue.self, from: Data(Self.storesBody.utf8))
        let members = try MemberDirectoryClient.members(in: body, directory: try Self.directory, source: "test")
        #expect(members.map(\.entity) == ["store:1", "store:4", "store:5"])
        #expect(members.map(\.service) == ["tikv2", "tikv0", "tikv1"])
        #expect(members.map(\.address) == ["tikv2:20160", "tikv0:20160", "tikv1:20160"])
        #expect(members.map(\.state) == ["Up", "Disconnected", "Up"])
    }

    @Test func aStoreWithoutAnAddressIsAnErrorNamingTheField() throws {
        let body: JSONValue = ["stores": [["store": ["id": 1, "address": "tikv0:20160"]], ["store": ["id": 2]]]]
        let error = #expect(throws: ComposeError.self) {
            try MemberDirectoryClient.members(in: body, directory: try Self.directory, source: "http://pd/stores")
        }
        #expect(error == .memberDirectory(url: "http://pd/stores", reason: "`stores[1].store.address` is missing or empty"))
    }

    @Test func anAnswerWithoutTheListIsAnError() throws {
        // PD before TiKV bootstraps answers cluster routes with a quoted error string (§1.0).
        let body: JSONValue = .string("[PD:cluster:ErrNotBootstrapped]TiKV cluster not bootstrapped, please start TiKV first")
        let error = #expect(throws: ComposeError.self) {
            try MemberDirectoryClient.members(in: body, directory: try Self.directory, source: "u")
        }
        #expect(error == .memberDirectory(url: "u", reason: "no array at `stores`"))
    }

    /// Over real HTTP: a dead first URL is skipped, the second answers with PD's shape; a 404 is reported
    /// with its status.
    @Test func listsOverHTTPTryingEachURL() async throws {
        let python = try StackTestSupport.requireTool("python3", package: "python3")
        let root = try StackTestSupport.temporaryDirectory("pd-double")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/pd/api/v1", withIntermediateDirectories: true)
        try Self.storesBody.write(toFile: root + "/pd/api/v1/stores", atomically: true, encoding: .utf8)

        let server = try StaticHTTPServer(python: python, root: root)
        defer { server.stop() }
        let port = try await server.port()
        let dead = try #require(LocalPorts.ephemeral())

        var directory = try Self.directory
        directory.urls = ["http://127.0.0.1:\(dead)/pd/api/v1/stores", "http://127.0.0.1:\(port)/pd/api/v1/stores"]
        let members = try await MemberDirectoryClient.list(directory)
        #expect(members.map(\.entity) == ["store:1", "store:4", "store:5"])

        directory.urls = ["http://127.0.0.1:\(port)/pd/api/v1/nothing"]
        let error = await #expect(throws: ComposeError.self) { try await MemberDirectoryClient.list(directory) }
        guard case .memberDirectory(let url, let reason)? = error else {
            Issue.record("got \(String(describing: error))")
            return
        }
        #expect(url == directory.urls[0])
        #expect(reason.hasPrefix("HTTP 404"), "\(reason)")
    }
}

/// `python3 -m http.server` on a free loopback port, serving a directory: a real HTTP server for fixed
/// answers. Stopped by PID.
final class StaticHTTPServer {
    private let process: Process
    private let output: Pipe

    init(python: String, root: String) throws {
        process = Process()
        output = Pipe()
        process.executableURL = URL(fileURLWithPath: python)
        // Port 0: the OS picks a free port, which the server prints.
        process.arguments = ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", root]
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// Reads the "Serving HTTP on 127.0.0.1 port N" line.
    func port() async throws -> Int {
        let handle = output.fileHandleForReading
        let line: String = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var buffer = Data()
                while !buffer.contains(UInt8(ascii: "\n")) {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    buffer.append(chunk)
                }
                continuation.resume(returning: String(decoding: buffer, as: UTF8.self))
            }
        }
        let words = line.split(separator: " ")
        guard let index = words.firstIndex(of: "port"), index + 1 < words.count, let port = Int(words[index + 1]) else {
            throw StaticHTTPServerError(line: line)
        }
        return port
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

struct StaticHTTPServerError: Error, CustomStringConvertible {
    let line: String
    var description: String { "python3 http.server did not report its port; it printed: \(line)" }
}
