import Foundation

/// A private temporary directory for a command's databases, logs and state; removed by `remove()`.
struct WorkDirectory: Sendable {
    let path: String

    init(prefix: String) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw CLIFailure("cannot create a working directory under \(FileManager.default.temporaryDirectory.path): \(error)")
        }
        path = url.path
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
