import Foundation

/// Finds the compose file a plan names. Recipes name their stack relative to the repository
/// (`Subjects/tikv/docker-compose.yaml`); `--compose-file` may give any path. An absolute path is taken as
/// is; a relative one is looked up from the current directory, then each of its parents (running from a
/// subdirectory of the repository), then the repository this program was built from.
public enum ComposeFileLocator {
    public static func resolve(
        _ path: String, currentDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(ComposeError) -> String {
        let fm = FileManager.default
        if path.hasPrefix("/") {
            guard fm.fileExists(atPath: path) else { throw .composeFileNotFound(path: path, searched: [path]) }
            return URL(fileURLWithPath: path).standardizedFileURL.path
        }
        let candidates = searchRoots(from: currentDirectory).map { ($0 as NSString).appendingPathComponent(path) }
        if let found = candidates.first(where: { fm.fileExists(atPath: $0) }) {
            return URL(fileURLWithPath: found).standardizedFileURL.path
        }
        throw .composeFileNotFound(path: path, searched: candidates.map { ($0 as NSString).deletingLastPathComponent })
    }

    static func searchRoots(from currentDirectory: String) -> [String] {
        var roots: [String] = []
        var directory = URL(fileURLWithPath: currentDirectory).standardizedFileURL
        while true {
            roots.append(directory.path)
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { break }
            directory = parent
        }
        // Sources/DeployLocal/Compose/ComposeFileLocator.swift → the repository root, for development builds
        // run from elsewhere. Absent on machines that only have the binary; then the search above decides.
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
        if !roots.contains(repository) { roots.append(repository) }
        return roots
    }
}
