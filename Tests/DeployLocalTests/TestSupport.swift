import Foundation
import OperatorCore
import Synchronization
@testable import DeployLocal

#if canImport(Glibc)
import Glibc
#endif

/// A fresh state directory per test, removed (after SIGKILLing anything recorded in it) by `cleanup()`.
struct TemporaryStateDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("operator-deploy-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Synchronous, for `defer`: kills every process the state file records, by pid, then removes the
    /// directory. Runs whether the test passed or failed.
    func cleanup() {
        if let state = try? StateFile.read(ProcessDeploymentState.self, from: path) {
            for record in state.members {
                guard let handle = record.process, DetachedProcess.isRunning(handle) else { continue }
                kill(handle.pid, SIGKILL)
            }
            for record in state.members {
                guard let handle = record.process else { continue }
                var status: Int32 = 0
                _ = waitpid(handle.pid, &status, 0)
            }
        }
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Members served by `python3 -m http.server`: a real HTTP server whose `/` answers 200, standing in for
/// any database member in tests of the generic backend.
enum HTTPServerPlan {
    static var python: String? { ExecutableLookup.find("python3") }

    static func plan(members: Int, basePort: Int, executable: String = "python3") -> ProcessClusterPlan {
        ProcessClusterPlan(
            subject: "http",
            members: (0..<members).map { i in
                let port = basePort + i
                return ProcessClusterPlan.Member(
                    entity: Entity(kind: "member", id: "h\(i + 1)"), executable: executable,
                    arguments: ["-m", "http.server", String(port), "--bind", "127.0.0.1"], ports: [port],
                    endpoint: "http://127.0.0.1:\(port)", healthURL: "http://127.0.0.1:\(port)/",
                    dataDirectory: "h\(i + 1).data")
            },
            installHint: "install it with `apt-get install python3`")
    }
}

/// Collects progress lines from a `@Sendable` callback.
final class ProgressLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

