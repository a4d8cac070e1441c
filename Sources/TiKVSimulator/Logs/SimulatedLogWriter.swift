import Foundation
import Synchronization

/// Appends log lines to one file per store (`tikv-<id>.log`) and PD member (`pd-<name>.log`).
final class SimulatedLogWriter: Sendable {
    let directory: String
    private let handles = Mutex<[SimulatedLogLine.File: FileHandle]>([:])

    init(directory: String) throws(TiKVSimulatorError) {
        self.directory = directory
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .invalidConfiguration(field: "log directory", reason: "\(directory) cannot be created: \(error.localizedDescription)")
        }
    }

    func path(for file: SimulatedLogLine.File) -> String {
        (directory as NSString).appendingPathComponent(file.fileName)
    }

    /// Takes the cluster's due lines and appends them, under one lock: when this returns, every
    /// line due so far is in its file, whoever else is flushing.
    func flush(from cluster: SimulatedCluster) {
        handles.withLock { handles in
            let lines = cluster.read { model, _ in model.drainLogOutbox() }
            guard !lines.isEmpty else { return }
            var grouped: [SimulatedLogLine.File: String] = [:]
            for line in lines {
                grouped[line.file, default: ""] += line.text + "\n"
            }
            for (file, text) in grouped {
                guard let handle = handles[file] ?? open(file) else { continue }
                handles[file] = handle
                handle.write(Data(text.utf8))
            }
        }
    }

    private func open(_ file: SimulatedLogLine.File) -> FileHandle? {
        let path = path(for: file)
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { return nil }
        handle.seekToEndOfFile()
        return handle
    }

    func close() {
        handles.withLock { handles in
            for handle in handles.values { try? handle.close() }
            handles.removeAll()
        }
    }
}
