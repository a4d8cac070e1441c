import Foundation
import OperatorConfiguration
import OperatorCore
import OperatorHTTP
import Testing

/// Every `*_file` in operator.yaml is the config file's neighbour when relative, whatever directory
/// Operator runs in: a config in a temporary directory, read from the package directory (the test's cwd).
@Suite("operator.yaml: relative *_file paths")
struct RelativeFilePathTests {
    @Test func everyFileSettingIsResolvedNextToTheConfigNotTheWorkingDirectory() throws {
        let directory = try Directory()
        defer { directory.remove() }
        #expect(FileManager.default.currentDirectoryPath != directory.path, "the test runs elsewhere")
        try "etcd-pass\n".write(toFile: directory.file("etcd-password"), atomically: true, encoding: .utf8)
        let config = directory.file("operator.yaml")
        try """
            clusters:
              - name: prod
                subject: etcd
                endpoints: [https://10.0.0.5:2379]
                subjects:
                  etcd: { username: reader, password_file: etcd-password, log_files: [logs/e1.log, /var/log/e2.log] }
            subjects:
              etcd: { username: reader, password_file: etcd-password }
            api_token_file: secrets/api-token
            notify:
              receivers:
                - { name: hook, type: webhook, url_file: secrets/hook-url, secret_file: secrets/hook-key }
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let file = try OperatorConfigFile.load(explicitPath: config)

        // The subject's section as the subject gets it: paths already absolute.
        let top = try file.subjectSettings("etcd")
        #expect(top["password_file"] == .string(directory.file("etcd-password")))
        #expect(top["username"] == .string("reader"))
        let entry = try file.cluster(named: "prod").file.subjectSettings("etcd")
        #expect(entry["password_file"] == .string(directory.file("etcd-password")))
        #expect(entry["log_files"] == .array([.string(directory.file("logs/e1.log")), .string("/var/log/e2.log")]))
        // And the file is read from there, not from the working directory.
        if case .string(let path) = top["password_file"] {
            #expect(try SecretSource.file(path).read() == "etcd-pass")
        }

        #expect(file.resolvedPath("secrets/api-token") == directory.file("secrets/api-token"))
        let receiver = try #require(try file.notifySettings().receivers.first)
        #expect(receiver.urlSource == .file(directory.file("secrets/hook-url")))
        #expect(receiver.secretSource == .file(directory.file("secrets/hook-key")))
    }
}

/// A temporary directory of this test's own (this target has no test-support library).
private struct Directory {
    let path: String
    init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("operator-relative-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
