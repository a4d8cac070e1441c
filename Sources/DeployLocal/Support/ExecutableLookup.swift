import Foundation

/// Finds a program the way a shell does: a path with a slash is taken as is, a bare name is looked up in
/// `PATH`. Deployments check this before starting anything, so "not installed" is one clear error.
public enum ExecutableLookup {
    /// The absolute path of an executable file, or `nil` when there is none.
    public static func find(
        _ name: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String? {
        let fm = FileManager.default
        if name.contains("/") {
            return fm.isExecutableFile(atPath: name) ? name : nil
        }
        // Debian puts some daemons in sbin, which a non-login PATH may lack.
        let path = environment["PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/local/bin:/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"]
        for directory in directories where !directory.isEmpty {
            let candidate = (directory as NSString).appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            if fm.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
                fm.isExecutableFile(atPath: candidate)
            {
                return candidate
            }
        }
        return nil
    }
}
