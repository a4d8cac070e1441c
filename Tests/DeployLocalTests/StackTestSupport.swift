import DeployLocal
import Foundation
import Testing

/// Paths and external tools for the stack and compose tests.
enum StackTestSupport {
    /// The repository root: Tests/DeployLocalTests/<this file> → ../..
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func path(_ relative: String) -> String { repositoryRoot.appendingPathComponent(relative).path }

    /// Every file under `Subjects/` whose name matches.
    static func subjectFiles(_ matches: (String) -> Bool) -> [String] {
        let root = path("Subjects")
        let names = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String]) ?? []
        return names.filter { matches(($0 as NSString).lastPathComponent) }.sorted()
            .map { (root as NSString).appendingPathComponent($0) }
    }

    /// The absolute path of a tool, or the test is cancelled (reported as skipped) saying which Debian package
    /// provides it: these tests need real tools, and `.ci/run` installs them.
    static func requireTool(_ name: String, package: String) throws -> String {
        if let path = ExecutableLookup.find(name) { return path }
        let reason = "\(name) is not installed (apt-get install \(package)); skipping"
        print("note: \(reason)")
        try Test.cancel(Comment(rawValue: reason))
    }

    /// Runs a tool to completion; the output is returned whatever the status.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        workingDirectory: String? = nil, timeout: Duration = .seconds(120)
    ) async throws -> CommandRunner.Output {
        try await CommandRunner.run(
            executable, arguments, environment: environment, workingDirectory: workingDirectory, timeout: timeout)
    }

    /// A fresh directory under the system temporary directory, removed by the caller.
    static func temporaryDirectory(_ prefix: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }
}

extension CommandRunner.Output {
    /// stdout and stderr for assertion messages.
    var transcript: String { "status \(status)\nstdout:\n\(standardOutput)\nstderr:\n\(standardError)" }
}
