import Foundation

/// A private temporary directory for a run's databases, logs and state; removed by `remove()`.
public struct WorkDirectory: Sendable {
    /// The directory could not be created (a full or read-only temporary directory).
    public struct CreationError: Error, CustomStringConvertible {
        public var description: String
    }

    public let path: String

    public init(prefix: String) throws(CreationError) {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw CreationError(description: "cannot create a working directory under \(FileManager.default.temporaryDirectory.path): \(error)")
        }
        path = url.path
    }

    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
