import Foundation
import OperatorCore
import Synchronization

/// The deployment state file in a state directory: `deployment.json`, written atomically. Its top-level
/// `backend` key says which backend wrote it, so ``LocalDeployments/load(stateDirectory:)`` can pick the
/// right one to read the rest.
public enum StateFile {
    public static let name = "deployment.json"

    /// Serialises read-modify-write of state files within this process (parallel chaos calls in tests).
    private static let updates = Mutex(())

    public static func path(in stateDirectory: String) -> String {
        (stateDirectory as NSString).appendingPathComponent(name)
    }

    public static func exists(in stateDirectory: String) -> Bool {
        FileManager.default.fileExists(atPath: path(in: stateDirectory))
    }

    /// The backend that wrote the state in `stateDirectory`, or `noDeployment` when there is none.
    public static func backend(in stateDirectory: String) throws(DeploymentError) -> String {
        struct Header: Decodable { var backend: String }
        return try read(Header.self, from: stateDirectory).backend
    }

    public static func read<T: Decodable>(_ type: T.Type, from stateDirectory: String) throws(DeploymentError) -> T {
        let file = path(in: stateDirectory)
        guard let data = FileManager.default.contents(atPath: file) else {
            throw .noDeployment(stateDirectory: stateDirectory)
        }
        do {
            return try JSONDecoder.operatorDecoder.decode(T.self, from: data)
        } catch {
            throw .unreadableState(path: file, reason: "\(error)")
        }
    }

    public static func write(_ value: some Encodable, to stateDirectory: String) throws(DeploymentError) {
        let file = path(in: stateDirectory)
        do {
            let data = try JSONEncoder.operatorPrettyEncoder.encode(value)
            try data.write(to: URL(fileURLWithPath: file), options: .atomic)
        } catch {
            throw .stateDirectory(path: stateDirectory, reason: "cannot write \(file): \(error)")
        }
    }

    /// Reads, changes and writes the state in one step, so two changes in this process never lose each other.
    public static func update<T: Codable & Sendable>(
        _ type: T.Type, in stateDirectory: String, _ change: (inout T) -> Void
    ) throws(DeploymentError) -> T {
        let result: Result<T, DeploymentError> = updates.withLock { _ in
            do throws(DeploymentError) {
                var value = try read(T.self, from: stateDirectory)
                change(&value)
                try write(value, to: stateDirectory)
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    public static func remove(from stateDirectory: String) {
        try? FileManager.default.removeItem(atPath: path(in: stateDirectory))
    }
}
