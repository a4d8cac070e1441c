#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What tells a file changed without reading it: device, inode, size and modification time to the
/// nanosecond. Certificate rotation either rewrites a file (new mtime, usually new size) or renames a new
/// one into place (new inode), and both show here.
struct FileFingerprint: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedSeconds: Int64
    var modifiedNanoseconds: Int64

    /// nil when the file cannot be stat'ed (missing, no permission): the read that follows names why.
    static func of(_ path: String) -> FileFingerprint? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
        let time = info.st_mtimespec
        #else
        let time = info.st_mtim
        #endif
        return FileFingerprint(
            device: UInt64(truncatingIfNeeded: info.st_dev), inode: UInt64(truncatingIfNeeded: info.st_ino),
            size: Int64(truncatingIfNeeded: info.st_size), modifiedSeconds: Int64(truncatingIfNeeded: time.tv_sec),
            modifiedNanoseconds: Int64(truncatingIfNeeded: time.tv_nsec))
    }
}
